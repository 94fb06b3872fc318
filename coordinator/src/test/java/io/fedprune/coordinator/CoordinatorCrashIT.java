package io.fedprune.coordinator;

import io.fedprune.Patience;
import io.fedprune.agent.AgentHub;
import io.fedprune.coordinator.job.JobViews;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The coordinator stopped at 10 seeded moments of one job (in a round after 0-3 of its 4 updates, or during the
 * deployment), each time replaced by a new
 * one that rebuilds its state from the job log: the job completes with tier masks bit-identical to the same seeded
 * job run without a stop, and each round is counted once. The coordinator runs in the test JVM and is stopped by
 * closing it (its threads are interrupted wherever they are); a killed process is what {@link FailoverIT}'s standby
 * takes over from.
 */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
@ExtendWith(FleetFixture.class)
class CoordinatorCrashIT {
    static final int ROUNDS = 3, STOPS = 10;

    @Test
    void aJobStoppedAtTenSeededMomentsCompletesWithTheMasksOfAnUninterruptedRun() throws Exception {
        List<String> tiers = List.of("keep-0.1", "keep-0.25");
        Map<String, float[]> clean;
        String prefix = "crash-clean.";
        try (AgentHub hub = FleetFixture.agents(prefix, FleetFixture.keyList());
             CoordinatorNode node = CoordinatorNode.start(FleetFixture.config(prefix))) {
            Coordinator c = node.coordinator();
            Patience.await().until(() -> c.devices().stream().filter(JobViews.DeviceView::alive).count() == 4);
            String id = c.submit(FleetFixture.spec(ROUNDS)).id();
            JobViews.JobView done = FailoverIT.awaitEnd(c, id);
            assertEquals("COMPLETED", done.state(), done.reason());
            clean = FailoverIT.masks(c, id, tiers);
        }

        prefix = "crash.";
        Random moments = new Random(13);
        List<String> stoppedAt = new ArrayList<>();
        try (AgentHub hub = FleetFixture.agents(prefix, FleetFixture.keyList())) {
            CoordinatorNode node = CoordinatorNode.start(FleetFixture.config(prefix));
            Coordinator first = node.coordinator();
            Patience.await().until(() -> first.devices().stream().filter(JobViews.DeviceView::alive).count() == 4);
            final String id = first.submit(FleetFixture.spec(ROUNDS)).id();
            try {
                // 10 seeded moments in job order: in round p (1..ROUNDS) once k of its 4 updates arrived (k = 0..3), or
                // during the deployment after the last round; each stop reruns the round it hit
                int[][] moment = new int[STOPS][];
                for (int i = 0; i < STOPS; i++) moment[i] = new int[]{1 + moments.nextInt(ROUNDS + 1), moments.nextInt(4)};
                java.util.Arrays.sort(moment, java.util.Comparator.<int[]>comparingInt(m -> m[0]).thenComparingInt(m -> m[1]));
                for (int stop = 0; stop < STOPS; stop++) {
                    Coordinator c = node.coordinator();
                    int p = moment[stop][0], k = moment[stop][1];
                    if (p <= ROUNDS) {
                        // (if the round went by between two looks, the stop falls a little later in the job)
                        Patience.await().pollInterval(Duration.ofMillis(20)).until(() -> c.view(id).map(v ->
                                (v.progress() != null && (v.progress().round() > p || v.progress().round() == p && v.progress().replied() >= k))
                                        || v.rounds().size() >= p).orElse(false));
                    } else {
                        Patience.await().pollInterval(Duration.ofMillis(20)).until(() -> c.view(id).map(v -> v.rounds().size() == ROUNDS).orElse(false));
                        Thread.sleep(k * 100L);
                    }
                    JobViews.JobView v = c.view(id).orElseThrow();
                    stoppedAt.add(v.state() + (v.progress() != null ? " in round " + v.progress().round() + " with " + v.progress().replied()
                            + " updates" : "") + " after " + v.rounds().size() + " rounds, " + v.deployments().size() + " tiers");
                    node.close();
                    node = CoordinatorNode.start(FleetFixture.config(prefix));
                }
                Coordinator last = node.coordinator();
                JobViews.JobView done = FailoverIT.awaitEnd(last, id);
                assertEquals("COMPLETED", done.state(), done.reason() + "; stopped at " + stoppedAt);
                assertEquals(ROUNDS, done.rounds().size(), "each round counted once; stopped at " + stoppedAt);
                for (int r = 0; r < ROUNDS; r++) assertEquals(r + 1, done.rounds().get(r).round());
                Map<String, float[]> after = FailoverIT.masks(last, id, tiers);
                assertEquals(clean.keySet(), after.keySet());
                for (String k : clean.keySet()) assertArrayEquals(clean.get(k), after.get(k), k + "; stopped at " + stoppedAt);
                System.out.println("CoordinatorCrashIT: stopped at " + stoppedAt);
            } finally {
                node.close();
            }
        }
    }
}
