package io.fedprune.coordinator;

import io.fedprune.agent.Agent;
import io.fedprune.agent.AgentHub;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.coordinator.job.JobViews;
import io.fedprune.data.Dataset;
import io.fedprune.data.Mnist;
import io.fedprune.data.TestData;
import io.fedprune.kafka.EmbeddedBroker;
import io.fedprune.wire.Budget;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Agents declare the largest model they run ({@code max-params:N}) over the real (embedded) broker, and the
 * coordinator does not select one for a job whose model is bigger: LeNet-300-100 has 266,610 parameters.
 */
@Tag("integration")
class CapabilitySelectionIT {
    private static final Duration PATIENCE = Duration.ofMinutes(10);

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void aDeviceIsNotSelectedForAModelBiggerThanItRuns() throws Exception {
        Mnist.Split mini = Mnist.load(TestData.mnistMini());
        Dataset train = mini.train().head(300), test = mini.test().head(100);
        Path work = Files.createTempDirectory("fedprune-caps");
        try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Config.defaults())) {
            CoordinatorConfig cc = CoordinatorConfig.defaults().withBootstrapServers(broker.bootstrapServers()).withTopicPrefix("caps.")
                    .withDataDir(TestData.mnistMini().toString()).withWorkDir(work.toString()).withEvalSamples(100);
            try (CoordinatorNode node = CoordinatorNode.start(cc);
                 AgentHub hub = AgentHub.start(AgentHub.Config.defaults(broker.bootstrapServers()).withTopicPrefix("caps.").withHeartbeatMs(500))) {
                hub.add(new Agent(new Agent.Settings("big", Budget.ofKeep(0.25), train, test, null, 266_610)));
                hub.add(new Agent(new Agent.Settings("small", Budget.ofKeep(0.25), train, test, null, 266_609)));
                Coordinator c = node.coordinator();
                await().atMost(PATIENCE).until(() -> c.devices().stream().filter(JobViews.DeviceView::alive).count() == 2);
                String job = c.submit(JobSpec.builder().pretrainEpochs(0).tiers(List.of(0.25)).rounds(2).roundDeadlineMs(1_800_000L)
                        .learningRate(0.1).batchSize(64).seed(7).build("it").toRequest()).id();
                await().atMost(PATIENCE).until(() -> !c.view(job).orElseThrow().state().equals("RUNNING"));
                JobViews.JobView v = c.view(job).orElseThrow();
                assertEquals("COMPLETED", v.state(), v.reason());
                assertEquals(2, v.rounds().size());
                for (JobViews.RoundView r : v.rounds()) {
                    assertEquals(1, r.selected(), "only the device that runs 266,610 parameters is selected");
                    assertEquals(1, r.replied());
                }
            }
        }
    }
}
