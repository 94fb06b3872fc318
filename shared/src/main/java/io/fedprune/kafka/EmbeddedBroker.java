package io.fedprune.kafka;

import org.apache.kafka.common.security.auth.SecurityProtocol;
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
     * @param secure         SASL on the client listener (SCRAM-SHA-256 for clients, PLAIN for the broker's own
     *                       super user) and the standard authorizer with {@code allow.everyone.if.no.acl.found=false}:
     *                       nobody but the super user may do anything until ACLs say so (see {@link FleetSecurity});
     *                       default false (plaintext, no authorizer)
     */
    public record Config(Path dataDir, int messageMaxBytes, Map<String, String> extra, boolean secure) {
        public Config {
            if (messageMaxBytes < 1024) throw new IllegalArgumentException("messageMaxBytes must be >= 1024, was " + messageMaxBytes);
            extra = Map.copyOf(Objects.requireNonNull(extra, "extra"));
        }

        /** Plaintext, without authorizer. */
        public Config(Path dataDir, int messageMaxBytes, Map<String, String> extra) {
            this(dataDir, messageMaxBytes, extra, false);
        }

        /** A temporary data directory, Kafka's default message size limit, no extra properties, plaintext. */
        public static Config defaults() {
            return new Config(null, 1048588, Map.of(), false);
        }

        /** The same settings with a persistent data directory. */
        public Config withDataDir(Path dir) {
            return new Config(dir, messageMaxBytes, extra, secure);
        }

        /** The same settings, secured (see {@code secure}). */
        public Config withSecurity() {
            return new Config(dataDir, messageMaxBytes, extra, true);
        }
    }

    /** The broker's super user on a secured broker (PLAIN; the Kafka test kit's built-in admin). */
    private static final Map<String, String> SUPER_USER = Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
            "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"plain-admin\" password=\"plain-admin-secret\";");

    private final KafkaClusterTestKit cluster;
    private final String bootstrap;
    private final boolean secure;

    private EmbeddedBroker(KafkaClusterTestKit cluster, boolean secure) {
        this.cluster = cluster;
        this.bootstrap = cluster.bootstrapServers().replace("localhost", "127.0.0.1");
        this.secure = secure;
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
        if (config.secure()) nodes.setBrokerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT).setControllerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT);
        TestKitNodes built = nodes.build();
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(built)
                .setDeleteOnClose(config.dataDir() == null)
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "true")
                .setConfigProp("message.max.bytes", String.valueOf(config.messageMaxBytes()));
        if (config.secure()) {
            String listener = "listener.name." + built.brokerListenerName().value().toLowerCase(java.util.Locale.ROOT);
            builder.setConfigProp("sasl.enabled.mechanisms", "PLAIN," + FleetSecurity.MECHANISM)
                    .setConfigProp(listener + ".scram-sha-256.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;")
                    .setConfigProp("allow.everyone.if.no.acl.found", "false");
        }
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
        return new EmbeddedBroker(cluster, config.secure());
    }

    /**
     * Clients of this broker with all rights: plain clients, or on a secured broker clients that log in as its super
     * user (to create users and ACLs, e.g. with {@link FleetSecurity#apply}).
     */
    public KafkaClients superUserClients() {
        return new KafkaClients(bootstrap, secure ? Map.copyOf(SUPER_USER) : Map.of());
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
