package io.fedprune.kafka;

import io.fedprune.Patience;
import org.junit.jupiter.api.extension.ExtendWith;
import io.fedprune.wire.Budget;
import io.fedprune.wire.DeadLetter;
import io.fedprune.wire.DeviceProfile;
import io.fedprune.wire.Envelope;
import io.fedprune.wire.Granularity;
import io.fedprune.wire.Heartbeat;
import io.fedprune.wire.DeviceState;
import io.fedprune.wire.InvalidMessageException;
import io.fedprune.wire.LayerSpec;
import io.fedprune.wire.LocalMetrics;
import io.fedprune.wire.MessageType;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.Timings;
import io.fedprune.wire.TensorEncoding;
import io.fedprune.wire.Update;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.WireCodec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import java.util.concurrent.TimeUnit;

/** Bad records and failing handlers end up on the dead-letter topic with their reason; the loop goes on. */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
@ExtendWith(SharedBroker.class)
class ConsumerLoopIT {
    static Envelope update(String device) {
        return Envelope.of("job-1", 1, device, new Update(device, List.of(new LayerSpec("fc1", Granularity.WEIGHT, 784, 78)),
                new BlobRef("b-" + device, "a".repeat(64), 10, 1, ""), List.of(), TensorEncoding.FLOAT32, 100,
                new LocalMetrics(1, 0.5, 0.5, 0.9, 100), new Timings(1, 2, 3, 4), 0, 32, null));
    }

    @Test
    void rejectsAndHandlerFailuresAreDeadLetteredAndTheLoopGoesOn(EmbeddedBroker broker) {
        KafkaClients clients = KafkaClients.of(broker.bootstrapServers());   // the JVM's shared broker: fresh topics
        Topics topics = KafkaTestSupport.freshTopics(clients);
        WireCodec codec = WireCodec.standard();
        List<String> handled = new CopyOnWriteArrayList<>();
        List<RejectReason> seenRejects = new CopyOnWriteArrayList<>();
        try (Publisher publisher = KafkaTestSupport.publisher(clients, topics)) {
            Consumer<byte[], byte[]> consumer = clients.consumer("it-loop", "it-loop");
            consumer.subscribe(List.of(topics.name(Topic.UPDATES)));
            ConsumerLoop loop = ConsumerLoop.builder("it-updates", consumer, (envelope, record) -> {
                        String device = ((Update) envelope.body()).deviceId();
                        if (device.equals("boom")) throw new IllegalStateException("simulated handler bug");
                        if (device.equals("dup")) throw new InvalidMessageException(RejectReason.DUPLICATE, "update of dup for job-1 round 1 seen before");
                        handled.add(device);
                    })
                    .accept(MessageType.UPDATE)
                    .deadLetters(new DeadLetters(publisher, "it-coordinator"))
                    .onReject((record, rejection) -> seenRejects.add(rejection.reason()))
                    .build().start();
            try {
                String updates = topics.name(Topic.UPDATES);
                byte[] good = codec.encode(update("d1"));
                byte[] truncated = Arrays.copyOf(good, good.length - 5);
                byte[] heartbeat = codec.encode(Envelope.of("d9", new Heartbeat(new DeviceProfile("d9", Budget.ofKeep(0.1), 1, List.of(), ""), DeviceState.IDLE)));
                List<byte[]> values = List.of(good, "garbage".getBytes(StandardCharsets.UTF_8), truncated, heartbeat,
                        codec.encode(update("boom")), codec.encode(update("dup")), codec.encode(update("d2")));
                for (int i = 0; i < values.size(); i++) {
                    publisher.send(new ProducerRecord<>(updates, ("key-" + i).getBytes(StandardCharsets.UTF_8), values.get(i))).join();
                }
                publisher.send(new ProducerRecord<>(updates, "key-7".getBytes(StandardCharsets.UTF_8), null)).join();   // a tombstone
                Patience.await().until(() -> handled.size() == 2 && loop.stats().tombstones() == 1);
                assertEquals(List.of("d1", "d2"), handled);

                List<ConsumerRecord<byte[], byte[]>> dead = KafkaTestSupport.readAll(clients, topics.name(Topic.DEAD_LETTER), 5);
                assertEquals(5, dead.size(), "the tombstone is not dead-lettered");
                List<DeadLetter> letters = dead.stream().map(r -> (DeadLetter) codec.decode(r.value()).value().body()).toList();
                assertEquals(List.of(RejectReason.MALFORMED, RejectReason.TRUNCATED, RejectReason.WRONG_TYPE, RejectReason.HANDLER_ERROR, RejectReason.DUPLICATE),
                        letters.stream().map(DeadLetter::reason).toList());
                assertEquals(List.of("key-1", "key-2", "key-3", "key-4", "key-5"),
                        dead.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList(), "dead letters keep the original key");
                assertArrayEquals(truncated, letters.get(1).originalValue());
                assertEquals(updates, letters.get(1).originalTopic());
                assertEquals(2, letters.get(1).originalOffset());
                assertTrue(letters.get(3).detail().contains("simulated handler bug"), letters.get(3).detail());
                assertTrue(letters.get(2).detail().contains("HEARTBEAT is not accepted"), letters.get(2).detail());
                assertEquals(letters.stream().map(DeadLetter::reason).toList(), seenRejects);
                assertEquals(new ConsumerLoop.Stats(2, 3, 2, 0, 1), loop.stats());
            } finally {
                loop.close();
            }
        }
    }

    /**
     * The handled records' offsets reach the group: committed without waiting while the loop runs, and when it closes; a
     * loop without a group commits nothing and goes on.
     */
    @Test
    void handledOffsetsAreCommittedWhileRunningAndOnClose(EmbeddedBroker broker) throws Exception {
        KafkaClients clients = KafkaClients.of(broker.bootstrapServers());
        Topics topics = KafkaTestSupport.freshTopics(clients);
        String updates = topics.name(Topic.UPDATES);
        org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(updates, 0);
        WireCodec codec = WireCodec.standard();
        List<String> handled = new CopyOnWriteArrayList<>(), unassigned = new CopyOnWriteArrayList<>();
        try (Publisher publisher = KafkaTestSupport.publisher(clients, topics); var admin = clients.admin()) {
            java.util.function.LongSupplier committed = () -> {
                try {
                    var offsets = admin.listConsumerGroupOffsets("it-commit").partitionsToOffsetAndMetadata().get();
                    return offsets.get(tp) == null ? -1 : offsets.get(tp).offset();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            Consumer<byte[], byte[]> consumer = clients.consumer("it-commit", "it-commit");
            consumer.subscribe(List.of(updates));
            ConsumerLoop loop = ConsumerLoop.builder("it-commit", consumer, (e, r) -> handled.add(((Update) e.body()).deviceId()))
                    .accept(MessageType.UPDATE).build().start();
            ConsumerLoop groupless = ConsumerLoop.builder("it-assigned", clients.assignedConsumer(updates, "it-assigned", KafkaClients.Start.BEGINNING),
                    (e, r) -> unassigned.add(((Update) e.body()).deviceId())).accept(MessageType.UPDATE).build().start();
            try {
                for (String d : List.of("d1", "d2", "d3")) publisher.send(new ProducerRecord<>(updates, null, codec.encode(update(d)))).join();
                Patience.await().until(() -> handled.size() == 3 && committed.getAsLong() == 3);   // the next offset to read
                publisher.send(new ProducerRecord<>(updates, null, codec.encode(update("d4")))).join();
                Patience.await().until(() -> handled.size() == 4 && unassigned.size() == 4);
            } finally {
                loop.close();
                groupless.close();
            }
            assertEquals(4, committed.getAsLong(), "committed when the loop closed, if not before");
            assertEquals(List.of("d1", "d2", "d3", "d4"), handled);
            assertEquals(List.of("d1", "d2", "d3", "d4"), unassigned, "a loop without a group goes on without committing");
        }
    }
}
