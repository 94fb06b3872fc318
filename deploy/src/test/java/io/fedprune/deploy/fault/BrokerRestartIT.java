package io.fedprune.deploy.fault;

import io.fedprune.Patience;
import io.fedprune.deploy.BrokerMain;
import io.fedprune.kafka.KafkaClients;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./fedprune broker} as an operator runs it, in child processes: data and port survive SIGTERM and kill -9;
 * a three-node cluster keeps serving a replication-factor-3 topic with one node killed.
 */
@Tag("fault")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
class BrokerRestartIT {

    static ChildProcess broker(Path dir, String name, String... args) throws Exception {
        ChildProcess p = ChildProcess.start(name, BrokerMain.class, List.of(), Map.of(), dir.resolve("logs").resolve(name + ".log"), args);
        p.await(l -> l.startsWith("bootstrap: "));
        return p;
    }

    @Test
    void dataAndPortSurviveKillAndTerm(@TempDir Path dir) throws Exception {
        int port = ChildProcess.freePorts(2);
        String[] args = {"--data-dir", dir.resolve("kafka").toString(), "--port", String.valueOf(port)};
        String bootstrap = "127.0.0.1:" + port;
        KafkaClients clients = KafkaClients.of(bootstrap);

        try (ChildProcess b = broker(dir, "broker-1", args)) {
            assertEquals("bootstrap: " + bootstrap, b.await(l -> l.startsWith("bootstrap: ")));
            assertTrue(b.lines().contains("formatted new storage for nodes [0]"), "new storage is formatted");
            createTopic(clients, "t", 1);
            produce(clients, "t", "before kill -9");
            b.kill();
        }
        try (ChildProcess b = broker(dir, "broker-2", args)) {
            assertEquals(List.of("before kill -9"), readAll(clients, "t", 1), "the record survived kill -9, same port");
            produce(clients, "t", "before SIGTERM");
            int code = b.terminate(Patience.STEP.toSeconds());   // throws unless it stops by itself
            assertEquals(128 + 15, code, "the JVM ended on SIGTERM after its shutdown hook");
        }
        try (ChildProcess b = broker(dir, "broker-3", args)) {
            assertEquals(List.of("before kill -9", "before SIGTERM"), readAll(clients, "t", 2), "records survived SIGTERM");
            assertTrue(b.lines().stream().noneMatch(l -> l.startsWith("formatted new storage")), "existing storage is not formatted again");
        }
    }

    @Test
    void threeNodeClusterServesReplicatedTopicWithOneNodeKilled(@TempDir Path dir) throws Exception {
        int port = ChildProcess.freePorts(6);
        List<ChildProcess> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                String[] args = {"--data-dir", dir.resolve("kafka").toString(), "--port", String.valueOf(port), "--nodes", "3",
                        "--node-id", String.valueOf(i)};
                ChildProcess p = ChildProcess.start("node-" + i, BrokerMain.class, List.of(), Map.of(), dir.resolve("logs/node-" + i + ".log"), args);
                nodes.add(p);
            }
            for (ChildProcess p : nodes) p.await(l -> l.startsWith("bootstrap: "));
            String bootstrap = nodes.get(0).await(l -> l.startsWith("bootstrap: ")).substring("bootstrap: ".length());
            assertEquals("127.0.0.1:" + port + ",127.0.0.1:" + (port + 1) + ",127.0.0.1:" + (port + 2), bootstrap);
            KafkaClients clients = KafkaClients.of(bootstrap);
            createTopic(clients, "r3", 3);
            produce(clients, "r3", "with 3 nodes");
            nodes.get(2).kill();
            produce(clients, "r3", "with 2 nodes");
            assertEquals(List.of("with 3 nodes", "with 2 nodes"), readAll(clients, "r3", 2));
        } finally {
            for (ChildProcess p : nodes) p.close();
        }
    }

    static void createTopic(KafkaClients clients, String name, int rf) throws Exception {
        try (Admin a = clients.admin()) {
            a.createTopics(List.of(new NewTopic(name, 1, (short) rf).configs(Map.of("min.insync.replicas", String.valueOf(Math.min(rf, 2))))))
                    .all().get(Patience.STEP.toSeconds(), TimeUnit.SECONDS);
        }
    }

    static void produce(KafkaClients clients, String topic, String value) throws Exception {
        try (Producer<byte[], byte[]> p = clients.producer("test")) {
            p.send(new ProducerRecord<>(topic, value.getBytes(StandardCharsets.UTF_8))).get(Patience.STEP.toSeconds(), TimeUnit.SECONDS);
        }
    }

    static List<String> readAll(KafkaClients clients, String topic, int expected) {
        List<String> out = new ArrayList<>();
        try (Consumer<byte[], byte[]> c = clients.assignedConsumer(topic, "test", KafkaClients.Start.BEGINNING)) {
            Patience.await().pollInSameThread().until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) out.add(new String(r.value(), StandardCharsets.UTF_8));
                return out.size() >= expected;
            });
        }
        return out;
    }
}
