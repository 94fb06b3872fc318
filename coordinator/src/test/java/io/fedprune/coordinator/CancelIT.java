package io.fedprune.coordinator;

import io.fedprune.Patience;
import io.fedprune.agent.AgentHub;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.coordinator.job.JobViews;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A job cancelled mid-round, end to end over the broker: the coordinator ends it CANCELLED, tells the agents, and
 * every agent stops the 1000-epoch training it is doing after its current epoch and sends nothing; a restarted
 * coordinator shows the job CANCELLED and does not resume it.
 */
@Tag("fault")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
@ExtendWith(FleetFixture.class)
class CancelIT {
    @Test
    void aJobCancelledMidRoundStopsItsAgentsAndStaysCancelledAfterARestart() throws Exception {
        String prefix = "cancel.";
        List<String> activity = new CopyOnWriteArrayList<>();
        try (AgentHub hub = FleetFixture.agents(prefix, FleetFixture.keyList()).onActivity(activity::add)) {
            String id;
            try (CoordinatorNode node = CoordinatorNode.start(FleetFixture.config(prefix))) {
                Coordinator c = node.coordinator();
                Patience.await().until(() -> c.devices().stream().filter(JobViews.DeviceView::alive).count() == FleetFixture.BUDGETS.length);
                id = c.submit(JobSpec.builder().pretrainEpochs(1).tiers(List.of(0.25)).rounds(3).localEpochs(1000).roundDeadlineMs(1_800_000L)
                        .seed(7).build("it").toRequest()).id();
                String job = id;
                Patience.await().until(() -> activity.stream().anyMatch(l -> l.contains("round 1 of " + job + ": epoch 1/1000 done")));
                assertTrue(c.cancel(id));
                Patience.await().until(() -> c.view(job).orElseThrow().state().equals("CANCELLED"));
                // the hub trains one agent at a time: the one training stops after its epoch, the 3 queued are skipped
                Patience.await().until(() -> hub.stoppedByCancel() == FleetFixture.BUDGETS.length);
                long epochs = activity.stream().filter(l -> l.contains("/1000 done")).count();
                assertTrue(epochs < 100, "training stopped long before 1000 epochs: " + epochs + " epochs ran");
                assertTrue(activity.stream().noneMatch(l -> l.contains("update sent")), "no update is sent for the cancelled job");
                assertTrue(c.view(job).orElseThrow().rounds().isEmpty());
            }
            try (CoordinatorNode restarted = CoordinatorNode.start(FleetFixture.config(prefix))) {
                JobViews.JobView v = restarted.coordinator().view(id).orElseThrow();
                assertEquals("CANCELLED", v.state(), "the cancel is in the log");
                assertNull(v.progress(), "and the job is not resumed");
            }
        }
    }
}
