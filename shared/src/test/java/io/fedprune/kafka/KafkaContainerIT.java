package io.fedprune.kafka;

import io.fedprune.Patience;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Blobs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

import java.time.Duration;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import java.util.concurrent.TimeUnit;

/**
 * A blob round trip through a real Apache Kafka broker in a container (image pinned by the parent pom's
 * {@code kafka.image}, passed as system property {@code fedprune.kafka.image}). Reported as skipped where no Docker
 * engine runs.
 */
@Testcontainers(disabledWithoutDocker = true)
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
class KafkaContainerIT {
    static KafkaContainer kafka;

    @BeforeAll
    static void start() {
        kafka = new KafkaContainer(DockerImageName.parse(System.getProperty("fedprune.kafka.image", "apache/kafka:4.1.1")));
        kafka.start();
    }

    @AfterAll
    static void stop() {
        if (kafka != null) kafka.stop();
    }

    @Test
    void blobRoundTripThroughAContainerBroker() {
        KafkaClients clients = KafkaClients.of(kafka.getBootstrapServers());
        Topics topics = KafkaTestSupport.freshTopics(clients);
        byte[] payload = new byte[5_000_000];
        new Random(1).nextBytes(payload);
        try (Publisher publisher = KafkaTestSupport.publisher(clients, topics);
             BlobReader reader = BlobReader.start(clients, topics, Topic.BLOBS, BlobReader.Config.defaults())) {
            BlobRef ref = new BlobWriter(publisher, Topic.BLOBS, "it").write(payload, Blobs.OCTETS);
            assertArrayEquals(payload, reader.fetch(ref, Patience.STEP));
        }
    }
}
