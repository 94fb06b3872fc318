package io.fedprune.kafka;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * A single-node KRaft Kafka broker (combined broker + controller) running inside this JVM, on a free
 * port of the loopback interface. Used by the integration tests, by the local sandbox ({@code ./fedprune demo})
 * and by {@code ./fedprune broker}.
 *
 * <p>Needs {@code org.apache.kafka:kafka-test-common-runtime} on the class path (an optional dependency of
 * {@code fedprune-shared}). Start-up takes about 1.5 s on a 2-core machine.
 *
 * <pre>{@code
 * try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Config.defaults())) {
 *     String bootstrap = broker.bootstrapServers();   // "127.0.0.1:PORT"
 * }
 * }</pre>
 */
public final class EmbeddedBroker implements AutoCloseable {

    /**
     * Broker settings.
     *
     * @param dataDir        where the log and metadata directories live; {@code null} = a temporary directory
     *                       deleted on close (default)
     * @param messageMaxBytes broker {@code message.max.bytes}; default 1048588 (Kafka's default, about 1 MB)
     * @param extra          any further broker properties (default none)
     */
    public record Config(Path dataDir, int messageMaxBytes, Map<String, String> extra) {
        public Config {
            if (messageMaxBytes < 1024) throw new IllegalArgumentException("messageMaxBytes must be >= 1024, was " + messageMaxBytes);
            extra = Map.copyOf(Objects.requireNonNull(extra, "extra"));
        }

        /** A temporary data directory, Kafka's default message size limit, no extra properties. */
        public static Config defaults() {
            return new Config(null, 1048588, Map.of());
        }

        /** The same settings with a persistent data directory. */
        public Config withDataDir(Path dir) {
            return new Config(dir, messageMaxBytes, extra);
        }
    }

    private final KafkaClusterTestKit cluster;
    private final String bootstrap;

    private EmbeddedBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
        this.bootstrap = cluster.bootstrapServers().replace("localhost", "127.0.0.1");
    }

    /** Formats storage, starts the node and waits until the broker is ready. */
    public static EmbeddedBroker start(Config config) throws Exception {
        TestKitNodes.Builder nodes = new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1);
        if (config.dataDir() != null) {
            Files.createDirectories(config.dataDir());
            nodes.setBaseDirectory(config.dataDir());
        }
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes.build())
                .setDeleteOnClose(config.dataDir() == null)
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "true")
                .setConfigProp("message.max.bytes", String.valueOf(config.messageMaxBytes()));
        config.extra().forEach(builder::setConfigProp);
        KafkaClusterTestKit cluster = builder.build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return new EmbeddedBroker(cluster);
    }

    /** {@code host:port} of the broker listener, e.g. {@code 127.0.0.1:40123}. */
    public String bootstrapServers() {
        return bootstrap;
    }

    /** Stops the broker and, for a temporary data directory, deletes it. */
    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
