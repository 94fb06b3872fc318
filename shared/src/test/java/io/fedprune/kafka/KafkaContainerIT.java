package io.fedprune.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The same produce/consume round trip as {@link EmbeddedBrokerIT}, against a real broker in a container (the pinned
 * image of the parent pom's {@code kafka.image}). Runs where a Docker engine exists; reported as skipped elsewhere.
 */
@Testcontainers(disabledWithoutDocker = true)
class KafkaContainerIT {

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer(System.getProperty("fedprune.kafka.image", "apache/kafka:4.1.1"));

    @Test
    void producesAndConsumesThroughAContainerBroker() {
        String bootstrap = KAFKA.getBootstrapServers();
        try (var producer = new KafkaProducer<String, String>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 3; i++) producer.send(new ProducerRecord<>("tc-roundtrip", "k", "m" + i));
            producer.flush();
        }
        List<String> got = new ArrayList<>();
        try (var consumer = new KafkaConsumer<String, String>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "tc", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("tc-roundtrip"));
            long deadline = System.currentTimeMillis() + 60_000;
            while (got.size() < 3 && System.currentTimeMillis() < deadline) consumer.poll(Duration.ofMillis(200)).forEach(r -> got.add(r.value()));
        }
        assertEquals(List.of("m0", "m1", "m2"), got);
    }
}
