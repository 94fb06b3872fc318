package io.fedprune.agent;

import io.fedprune.Patience;
import io.fedprune.data.Mnist;
import io.fedprune.data.TestData;
import io.fedprune.kafka.BlobReader;
import io.fedprune.kafka.BrokerMeters;
import io.fedprune.kafka.EmbeddedBroker;
import io.fedprune.kafka.KafkaClients;
import io.fedprune.kafka.SharedBroker;
import io.fedprune.kafka.Topic;
import io.fedprune.kafka.Topics;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Budget;
import io.fedprune.wire.Update;
import io.fedprune.wire.WireCodec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * An agent on a real (embedded) broker writes its update's blob to the uploads topic and never fetches a byte of
 * that topic (so no device downloads the others' updates): the broker's own per-topic byte counts say so, while
 * the coordinator's side reads the upload back intact.
 */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
@ExtendWith(SharedBroker.class)
class AgentUploadIT {
    static final String JOB = "job-upload";

    @Test
    void updatesGoToTheUploadsTopicWhichAgentsNeverRead(EmbeddedBroker broker) throws Exception {
        Mnist.Split mini = Mnist.load(TestData.mnistMini());
        try (CoordinatorStandIn coordinator = new CoordinatorStandIn(broker, "upload-it.");
             Consumer<byte[], byte[]> updates = coordinator.clients.assignedConsumer(coordinator.topics.name(Topic.UPDATES), "it-updates",
                     KafkaClients.Start.BEGINNING)) {
            KafkaClients clients = coordinator.clients;
            Topics topics = coordinator.topics;
            WireCodec codec = coordinator.codec;
            coordinator.hub.add(new Agent(new Agent.Settings("phone-1", Budget.ofKeep(0.1), mini.train().head(200), mini.test().head(100), null)));
            long modelChunks = 0;
            List<Update> received = new ArrayList<>();
            // two rounds, each with its own model: the agent fetches the second model after its first upload is on the broker
            for (int round = 1; round <= 2; round++) {
                BlobRef modelRef = coordinator.modelBlob(Model.init(ModelArch.LENET300.graph(), round));
                modelChunks += modelRef.chunkCount();
                coordinator.startRound(JOB, round, "phone-1", modelRef, 1);
                int want = round;
                Patience.await().until(() -> {
                    for (ConsumerRecord<byte[], byte[]> r : updates.poll(Duration.ofMillis(200))) {
                        var d = codec.decode(r.value());
                        if (d.isOk() && d.value().body() instanceof Update u) received.add(u);
                    }
                    return received.size() == want;
                });
            }
            long uploadChunks = received.stream().mapToLong(u -> u.logitsRef().chunkCount()).sum();
            assertTrue(uploadChunks >= 2, "each update has a blob: " + uploadChunks);
            // the agent wrote its update blobs to uploads, nothing to blobs (only the test's models are there)
            assertEquals(uploadChunks, endOffset(clients, topics.name(Topic.UPLOADS)));
            assertEquals(modelChunks, endOffset(clients, topics.name(Topic.BLOBS)));
            // the agent fetched the models from blobs, and not a byte of uploads
            assertTrue(BrokerMeters.bytesOut(topics.name(Topic.BLOBS)) > 0, "the agent fetched its models");
            assertEquals(0, BrokerMeters.bytesOut(topics.name(Topic.UPLOADS)), "no agent consumed the uploads topic");

            // the coordinator's side: the uploads are there, intact (SHA-256 checked), and the broker counts that read
            try (BlobReader uploads = BlobReader.start(clients, topics, Topic.UPLOADS, BlobReader.Config.defaults())) {
                for (Update u : received) {
                    var tensors = codec.decodeTensors(uploads.fetch(u.logitsRef(), Patience.STEP));
                    assertTrue(tensors.isOk(), () -> String.valueOf(tensors.rejection()));
                    assertFalse(tensors.value().isEmpty());
                }
            }
            assertTrue(BrokerMeters.bytesOut(topics.name(Topic.UPLOADS)) > 0, "the broker counts what is read from uploads");
        }
    }

    private static long endOffset(KafkaClients clients, String topic) {
        try (Consumer<byte[], byte[]> c = clients.assignedConsumer(topic, "it-end", KafkaClients.Start.BEGINNING)) {
            return c.endOffsets(c.assignment()).values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
