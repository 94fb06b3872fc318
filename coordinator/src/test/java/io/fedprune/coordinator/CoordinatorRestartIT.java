package io.fedprune.coordinator;

import io.fedprune.Patience;
import io.fedprune.agent.AgentHub;
import io.fedprune.coordinator.job.JobViews;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import java.util.concurrent.TimeUnit;

/**
 * The coordinator stops in the middle of a job; a new one rebuilds its state from fedprune.jobs and finishes it. Both
 * hold out a validation split, so every tier deploys its best round on it, whether that round ran before the restart
 * (its masks read back from the blob its logged result names) or after.
 */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
@ExtendWith(FleetFixture.class)
class CoordinatorRestartIT {
    private static final int VALIDATION = 500;

    /** The deployment came from the round of its tier's highest validation accuracy (the earliest of equals), evaluated then. */
    static void assertDeploysItsBestRound(JobViews.DeploymentView d, java.util.List<JobViews.RoundView> rounds) {
        int best = 0;
        double bestValidation = -1, bestTest = -1;
        for (JobViews.RoundView r : rounds)
            for (JobViews.TierView t : r.tiers())
                if (t.tier().equals(d.tier()) && t.metrics().get(io.fedprune.wire.TierResult.VALIDATION_ACCURACY) > bestValidation) {
                    best = r.round();
                    bestValidation = t.metrics().get(io.fedprune.wire.TierResult.VALIDATION_ACCURACY);
                    bestTest = t.accuracy();
                }
        assertEquals(best, d.round(), d.tier() + ": " + rounds);
        assertEquals(bestValidation, d.validationAccuracy(), 0, d.tier());
        assertEquals(bestTest, d.accuracy(), 0, d.tier() + ": the deployed masks' test accuracy is that round's");
    }

    @Test
    void aRestartedCoordinatorContinuesTheJob() throws Exception {
        String prefix = "restart.";
        try (AgentHub hub = FleetFixture.agents(prefix, FleetFixture.keyList())) {
            String jobId;
            JobViews.JobView finished;
            CoordinatorConfig validating = FleetFixture.configBuilder(prefix).validationSamples(VALIDATION).build();
            try (CoordinatorNode first = CoordinatorNode.start(validating)) {
                Coordinator c = first.coordinator();
                Patience.await().until(() -> c.devices().stream().filter(JobViews.DeviceView::alive).count() == 4);
                jobId = c.submit(FleetFixture.spec(4, "INT8")).id();   // also exercises int8 updates
                Patience.await().until(() -> c.view(jobId).orElseThrow().rounds().size() >= 2);
            }
            try (CoordinatorNode second = CoordinatorNode.start(validating)) {
                Coordinator c = second.coordinator();
                JobViews.JobView replayed = c.view(jobId).orElseThrow();
                assertTrue(replayed.rounds().size() >= 2, "rounds rebuilt from the log: " + replayed.rounds().size());
                Patience.await().until(() -> !c.view(jobId).orElseThrow().state().equals("RUNNING"));
                JobViews.JobView done = c.view(jobId).orElseThrow();
                assertEquals("COMPLETED", done.state(), done.reason());
                assertEquals(4, done.rounds().size());
                assertEquals(2, done.deployments().size());
                for (JobViews.RoundView r : done.rounds()) {
                    assertTrue(r.replied() >= 1);
                    assertTrue(r.uplinkBitsPerParameter() > 8 && r.uplinkBitsPerParameter() < 10, "int8 + scales: " + r.uplinkBitsPerParameter());
                }
                assertTrue(c.artifact(jobId, "keep-0.1").isPresent());
                for (JobViews.DeploymentView d : done.deployments()) assertDeploysItsBestRound(d, done.rounds());
                Patience.await().until(() -> c.view(jobId).orElseThrow().deployments().stream()
                        .mapToInt(d -> d.acks().size()).sum() == 4);
                finished = c.view(jobId).orElseThrow();
            }
            // a coordinator that does not resume jobs still lists them, and a finished job's view is the same:
            // rounds, tiers with accuracy and checksums, and every device's ack (all from the job log)
            CoordinatorConfig noResume = FleetFixture.configBuilder(prefix).resumeJobs(false).build();
            try (CoordinatorNode third = CoordinatorNode.start(noResume)) {
                Coordinator c = third.coordinator();
                JobViews.JobView before = finished;
                Patience.await().untilAsserted(() -> {
                    JobViews.JobView after = c.view(jobId).orElseThrow();
                    assertEquals(before.state(), after.state());
                    assertEquals(before.rounds(), after.rounds());
                    assertEquals(before.deployments(), after.deployments());
                });
                assertTrue(c.jobs().stream().anyMatch(j -> j.id().equals(jobId)));
            }
        }
    }
}
