package io.fedprune.kafka;

import io.fedprune.Patience;
import io.fedprune.wire.WireCodec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;


/** Shared helpers of the integration tests: isolated topic sets and reading a topic to a count. */
final class KafkaTestSupport {
    private KafkaTestSupport() {
    }

    /** Default topics under a fresh prefix, created on the broker. */
    static Topics freshTopics(KafkaClients clients) {
        Topics topics = Topics.defaults().withPrefix("it-" + UUID.randomUUID().toString().substring(0, 8) + ".");
        try (var admin = clients.admin()) {
            topics.ensureCreated(admin, Patience.STEP);
        }
        return topics;
    }

    static Publisher publisher(KafkaClients clients, Topics topics) {
        return new Publisher(clients.producer("it-producer"), topics, WireCodec.standard());
    }

    /** Reads partition 0 of {@code topic} from the beginning until {@code count} records arrived. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(KafkaClients clients, String topic, int count) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (Consumer<byte[], byte[]> c = clients.consumer(null, "it-reader")) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            Patience.await().until(() -> {
                c.poll(Duration.ofMillis(100)).forEach(out::add);
                return out.size() >= count;
            });
        }
        return out;
    }
}
