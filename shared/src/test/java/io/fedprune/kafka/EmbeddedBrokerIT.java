package io.fedprune.kafka;

import io.fedprune.Patience;
import org.junit.jupiter.api.extension.ExtendWith;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import java.util.concurrent.TimeUnit;

/** Produces and consumes records through a real in-JVM KRaft broker. */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
@ExtendWith(SharedBroker.class)
class EmbeddedBrokerIT {
    static EmbeddedBroker broker;

    @BeforeAll
    static void start(EmbeddedBroker shared) throws Exception {
        broker = shared;   // the JVM's shared broker (SharedBroker): this class keeps to its own topics
    }

    @Test
    void producesAndConsumesThroughTheBroker() {
        assertTrue(broker.bootstrapServers().startsWith("127.0.0.1:"), broker.bootstrapServers());
        String topic = "it-roundtrip";
        List<String> sent = List.of("alpha", "beta", "gamma", "delta", "epsilon");
        try (var producer = new KafkaProducer<String, String>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < sent.size(); i++) producer.send(new ProducerRecord<>(topic, "k", i + ":" + sent.get(i)));
            producer.flush();
        }
        List<String> got = new ArrayList<>();
        try (var consumer = new KafkaConsumer<String, String>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "it",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            Patience.await().until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) got.add(r.value());
                return got.size() >= sent.size();
            });
        }
        assertEquals(List.of("0:alpha", "1:beta", "2:gamma", "3:delta", "4:epsilon"), got);
    }
}
