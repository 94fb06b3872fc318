package io.fedprune.agent;

import io.fedprune.kafka.SharedBroker;
import org.junit.jupiter.api.extension.ExtendWith;
import io.fedprune.Patience;
import io.fedprune.data.Mnist;
import io.fedprune.data.TestData;
import io.fedprune.kafka.EmbeddedBroker;
import io.fedprune.kafka.KafkaClients;
import io.fedprune.kafka.Publisher;
import io.fedprune.kafka.Topic;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Budget;
import io.fedprune.wire.Envelope;
import io.fedprune.wire.JobCancel;
import io.fedprune.wire.MessageType;
import io.fedprune.wire.Signatures;
import io.fedprune.wire.WireCodec;
import org.apache.kafka.clients.consumer.Consumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An agent on a real (embedded) broker told that a job was cancelled (the coordinator's signed {@link JobCancel} on
 * the rounds topic) stops the training it is doing after the current epoch, skips the job's queued rounds, and sends
 * no update for it; a cancel not signed by the coordinator is refused and changes nothing.
 */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
@ExtendWith(SharedBroker.class)
class AgentCancelIT {
    static final String JOB = "job-cancel";

    @Test
    void aCancelStopsTrainingAndQueuedRoundsAndNoUpdateIsSent(EmbeddedBroker broker) throws Exception {
        Mnist.Split mini = Mnist.load(TestData.mnistMini());
        KeyPair stranger = Signatures.generate();
        List<String> activity = new CopyOnWriteArrayList<>();
        try (CoordinatorStandIn coordinator = new CoordinatorStandIn(broker, "cancel-it.");
             Publisher forger = new Publisher(coordinator.clients.producer("it-forger"), coordinator.topics, WireCodec.standard(),
                     e -> Signatures.sign(e, stranger.getPrivate()));
             Consumer<byte[], byte[]> updates = coordinator.clients.assignedConsumer(coordinator.topics.name(Topic.UPDATES), "it-updates",
                     KafkaClients.Start.BEGINNING)) {
            AgentHub hub = coordinator.hub.onActivity(activity::add);
            Publisher publisher = coordinator.publisher;
            hub.add(new Agent(new Agent.Settings("phone-1", Budget.ofKeep(0.1), mini.train().head(200), mini.test().head(100), null)));
            BlobRef modelRef = coordinator.modelBlob(Model.init(ModelArch.LENET300.graph(), 5));
            // 1000 local epochs: far longer than the test; rounds 1 and 2 for the same device (2 queues behind 1)
            for (int round = 1; round <= 2; round++) coordinator.startRound(JOB, round, "phone-1", modelRef, 1000);
            Patience.await().until(() -> activity.stream().anyMatch(l -> l.contains("epoch 2/1000 done")));

            // a cancel signed by someone else is refused: training goes on
            long refusedBefore = hub.refused();
            forger.publish(Topic.ROUNDS, JOB, Envelope.of(JOB, 0, AgentHub.COORDINATOR, new JobCancel("forged"))).join();
            Patience.await().until(() -> hub.refused() > refusedBefore);
            assertEquals(0, hub.stoppedByCancel());

            publisher.publish(Topic.ROUNDS, JOB, Envelope.of(JOB, 0, AgentHub.COORDINATOR, new JobCancel("cancelled by the operator"))).join();
            // the running round stops after its epoch, the queued one is skipped
            Patience.await().until(() -> hub.stoppedByCancel() == 2);
            assertTrue(activity.stream().anyMatch(l -> l.contains("round 1 of " + JOB + " stopped: job cancelled")), activity.toString());
            long epochs = activity.stream().filter(l -> l.contains("epoch ") && l.contains("/1000 done")).count();
            assertTrue(epochs < 1000, "stopped long before its 1000 epochs: " + epochs);
            var polled = updates.poll(Duration.ofSeconds(2));
            for (var r : polled) {
                var d = WireCodec.standard().decode(r.value());
                assertTrue(!d.isOk() || d.value().type() != MessageType.UPDATE, "no update is sent for a cancelled job");
            }
        }
    }
}
