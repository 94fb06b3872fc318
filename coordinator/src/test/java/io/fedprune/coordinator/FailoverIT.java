package io.fedprune.coordinator;

import io.fedprune.Patience;
import io.fedprune.agent.AgentHub;
import io.fedprune.coordinator.job.JobViews;
import io.fedprune.runtime.TierMasks;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two coordinators with failover on against one broker: one leads and runs the job, the other stands by (refuses
 * writes); the leader stops mid-round without leaving the group (as a killed process does: static membership keeps
 * its place until the session times out); the standby is elected, continues the job from the log and completes it
 * with tier masks identical to the same seeded job run by one coordinator without a fault.
 */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
@ExtendWith(FleetFixture.class)
class FailoverIT {
    static final int ROUNDS = 3;

    /** Per tier and layer, the tier's weight mask. */
    static Map<String, float[]> masks(Coordinator c, String jobId, List<String> tiers) {
        Map<String, float[]> out = new TreeMap<>();
        for (String tier : tiers) {
            TierMasks.add(out, tier, c.artifact(jobId, tier).orElseThrow());
        }
        return out;
    }

    static JobViews.JobView awaitEnd(Coordinator c, String jobId) {
        Patience.await().until(() -> c.view(jobId).map(v -> !v.state().equals("RUNNING") && !v.state().equals("PENDING")).orElse(false));
        return c.view(jobId).orElseThrow();
    }

    @Test
    void theStandbyTakesOverAKilledLeadersJobAndCompletesItWithIdenticalMasks() throws Exception {
        List<String> tiers = List.of("keep-0.1", "keep-0.25");
        Map<String, float[]> clean;
        String prefix = "failover-clean.";
        try (AgentHub hub = FleetFixture.agents(prefix, FleetFixture.keyList());
             CoordinatorNode node = CoordinatorNode.start(FleetFixture.config(prefix))) {
            Coordinator c = node.coordinator();
            Patience.await().until(() -> c.devices().stream().filter(JobViews.DeviceView::alive).count() == 4);
            String id = c.submit(FleetFixture.spec(ROUNDS)).id();
            JobViews.JobView done = awaitEnd(c, id);
            assertEquals("COMPLETED", done.state(), done.reason());
            clean = masks(c, id, tiers);
        }

        prefix = "failover.";
        FailoverConfig a = FailoverConfig.on("coordinator-a", 6_000), b = FailoverConfig.on("coordinator-b", 6_000);
        try (AgentHub hub = FleetFixture.agents(prefix, FleetFixture.keyList())) {
            CoordinatorNode first = CoordinatorNode.start(FleetFixture.config(prefix), Map.of(), a);
            boolean firstClosed = false;
            Patience.await().until(first::leading);
            try (CoordinatorNode second = CoordinatorNode.start(FleetFixture.config(prefix), Map.of(), b)) {
                Coordinator c1 = first.coordinator(), c2 = second.coordinator();
                Patience.await().until(() -> c1.devices().stream().filter(JobViews.DeviceView::alive).count() == 4);
                String id = c1.submit(FleetFixture.spec(ROUNDS)).id();
                assertFalse(second.leading(), "one leader at a time");
                assertThrows(Coordinator.StandbyException.class, () -> c2.submit(FleetFixture.spec(ROUNDS)));
                // the leader dies in round 2: after round 1 is logged, with round 2 started
                Patience.await().until(() -> c1.view(id).orElseThrow().rounds().size() >= 1
                        && c1.view(id).orElseThrow().progress() != null && c1.view(id).orElseThrow().progress().round() == 2);
                first.close();
                firstClosed = true;

                Patience.await().until(second::leading);
                JobViews.JobView done = awaitEnd(c2, id);
                assertEquals("COMPLETED", done.state(), done.reason());
                assertEquals(ROUNDS, done.rounds().size(), "each round counted once");
                Map<String, float[]> after = masks(c2, id, tiers);
                TierMasks.assertIdentical(clean, after, "after failover");
            } finally {
                if (!firstClosed) first.close();
            }
        }
    }
}
