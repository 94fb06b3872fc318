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

/** The coordinator stops in the middle of a job; a new one rebuilds its state from fedprune.jobs and finishes it. */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
@ExtendWith(FleetFixture.class)
class CoordinatorRestartIT {
    @Test
    void aRestartedCoordinatorContinuesTheJob() throws Exception {
        String prefix = "restart.";
        try (AgentHub hub = FleetFixture.agents(prefix, FleetFixture.keyList())) {
            String jobId;
            JobViews.JobView finished;
            try (CoordinatorNode first = CoordinatorNode.start(FleetFixture.config(prefix))) {
                Coordinator c = first.coordinator();
                Patience.await().until(() -> c.devices().stream().filter(JobViews.DeviceView::alive).count() == 4);
                jobId = c.submit(FleetFixture.spec(4, "INT8")).id();   // also exercises int8 updates
                Patience.await().until(() -> c.view(jobId).orElseThrow().rounds().size() >= 2);
            }
            try (CoordinatorNode second = CoordinatorNode.start(FleetFixture.config(prefix))) {
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
