package io.fedprune.deploy;

import io.fedprune.kafka.FleetSecurity;
import io.fedprune.wire.KeyFiles;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * Kafka as a deployment runs it: combined broker + controller KRaft nodes started with Kafka's own
 * {@link KafkaRaftServer} from a generated {@code server.properties}, every listener on 127.0.0.1. The data
 * directory and the ports stay the same across restarts, so clients and the data (job log, blobs, offsets) survive a
 * stop, a crash (kill -9) and a restart. Storage is formatted only where it is new.
 *
 * <p>Layout: node {@code i} of {@code n} (0-based) listens for clients on {@code port + i} and for the controller
 * quorum on {@code port + n + i}; its log directory and {@code server.properties} are in {@code dataDir/node-i}. The
 * cluster id is derived from the data directory's absolute path, so separate processes started with the same
 * {@code --data-dir} and {@code --nodes} (each with its own {@code --node-id}) form one cluster.
 *
 * @param dataDir         the cluster's folder (kept across restarts)
 * @param port            the first node's client port
 * @param nodes           number of nodes (1 or more; 3 to try replication)
 * @param messageMaxBytes broker {@code message.max.bytes}
 * @param extra           further broker properties (override the generated ones)
 * @param superUser       null: plaintext listeners, no authorizer. Otherwise SASL on every listener (SASL_PLAINTEXT on
 *                        127.0.0.1): this super user logs in with PLAIN (the brokers and controllers among themselves,
 *                        and an operator's admin client), other users with SCRAM-SHA-256 (created through the admin
 *                        API, e.g. by {@code FleetSecurity.apply}); the standard authorizer refuses everything no ACL
 *                        allows ({@code allow.everyone.if.no.acl.found=false})
 */
public record KraftCluster(Path dataDir, int port, int nodes, int messageMaxBytes, Map<String, String> extra, SuperUser superUser) {

    /** The PLAIN super user of a secured cluster. */
    public record SuperUser(String name, String password) {
        public SuperUser {
            if (!name.matches("[A-Za-z0-9._-]+") || !password.matches("[A-Za-z0-9._-]+"))
                throw new IllegalArgumentException("super user name and password: letters, digits, '.', '_', '-' only");
        }

        /** Kafka client properties that log in as this user. */
        public Map<String, String> clientProperties() {
            return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                    "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                            + name + "\" password=\"" + password + "\";");
        }

        /** The broker side: this user's password, and the same user for the broker's own connections. */
        String serverJaas() {
            return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + name + "\" password=\""
                    + password + "\" user_" + name + "=\"" + password + "\";";
        }
    }

    /** A plaintext cluster. */
    public KraftCluster(Path dataDir, int port, int nodes, int messageMaxBytes, Map<String, String> extra) {
        this(dataDir, port, nodes, messageMaxBytes, extra, null);
    }

    public KraftCluster {
        Objects.requireNonNull(dataDir, "dataDir");
        if (nodes < 1) throw new IllegalArgumentException("nodes must be >= 1, was " + nodes);
        if (port < 1 || port + 2 * nodes - 1 > 65535) throw new IllegalArgumentException("port must leave room for "
                + 2 * nodes + " consecutive ports, was " + port);
        if (messageMaxBytes < 1024) throw new IllegalArgumentException("messageMaxBytes must be >= 1024, was " + messageMaxBytes);
        extra = Map.copyOf(Objects.requireNonNull(extra, "extra"));
    }

    /** Kafka client properties with every right: the super user's on a secured cluster, none on a plaintext one. */
    public Map<String, String> adminProperties() {
        return superUser == null ? Map.of() : superUser.clientProperties();
    }

    /** {@code 127.0.0.1:PORT} of every node, comma-separated. */
    public String bootstrapServers() {
        StringJoiner j = new StringJoiner(",");
        for (int i = 0; i < nodes; i++) j.add("127.0.0.1:" + (port + i));
        return j.toString();
    }

    /** The folder of node {@code i}. */
    public Path nodeDir(int i) {
        return dataDir.resolve("node-" + i);
    }

    /** The generated broker properties of node {@code i}. */
    public Properties properties(int i) {
        checkNode(i);
        StringJoiner voters = new StringJoiner(",");
        for (int v = 0; v < nodes; v++) voters.add(v + "@127.0.0.1:" + (port + nodes + v));
        int rf = Math.min(nodes, 3);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(i));
        p.put("controller.quorum.voters", voters.toString());
        String client = superUser == null ? "PLAINTEXT" : "SASL_PLAINTEXT";
        p.put("listeners", client + "://127.0.0.1:" + (port + i) + ",CONTROLLER://127.0.0.1:" + (port + nodes + i));
        p.put("advertised.listeners", client + "://127.0.0.1:" + (port + i));
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", client);
        p.put("listener.security.protocol.map", client + ":" + client + ",CONTROLLER:" + client);
        if (superUser != null) {
            p.put("sasl.enabled.mechanisms", "PLAIN," + FleetSecurity.MECHANISM);
            p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
            p.put("sasl.mechanism.controller.protocol", "PLAIN");
            p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", superUser.serverJaas());
            p.put("listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
            p.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
            p.put("listener.name.controller.plain.sasl.jaas.config", superUser.serverJaas());
            p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            p.put("super.users", "User:" + superUser.name());
            p.put("allow.everyone.if.no.acl.found", "false");
        }
        p.put("log.dirs", nodeDir(i).resolve("logs").toAbsolutePath().toString());
        p.put("default.replication.factor", String.valueOf(rf));
        p.put("min.insync.replicas", String.valueOf(Math.min(rf, 2)));
        p.put("offsets.topic.replication.factor", String.valueOf(rf));
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", String.valueOf(rf));
        p.put("transaction.state.log.min.isr", String.valueOf(Math.min(rf, 2)));
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "true");
        p.put("message.max.bytes", String.valueOf(messageMaxBytes));
        p.putAll(extra);
        Properties props = new Properties();
        props.putAll(p);
        return props;
    }

    /** Starts every node (in this process) and waits until all of them serve clients. */
    public Running start(Duration timeout) throws Exception {
        return start(IntStream.range(0, nodes).boxed().toList(), timeout);
    }

    /**
     * Starts the given nodes in this process (in parallel: a node's broker waits for the controller quorum, which
     * needs a majority of the nodes) and waits until every started node serves clients.
     */
    public Running start(List<Integer> which, Duration timeout) throws Exception {
        List<CompletableFuture<KafkaRaftServer>> starting = new ArrayList<>();
        List<Integer> formatted = new ArrayList<>();
        for (int i : which) {
            KafkaConfig config = prepare(i, formatted);
            starting.add(CompletableFuture.supplyAsync(() -> {
                KafkaRaftServer s = new KafkaRaftServer(config, Time.SYSTEM);
                s.startup();
                return s;
            }));
        }
        Running running = new Running(which, formatted);
        try {
            for (CompletableFuture<KafkaRaftServer> f : starting) running.servers.add(f.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
            running.awaitReady(timeout);
        } catch (Exception e) {
            running.close();
            throw e;
        }
        return running;
    }

    /** Writes node i's server.properties and formats its storage if it is new (adding i to formatted); returns its config. */
    private KafkaConfig prepare(int i, List<Integer> formatted) throws IOException {
        checkNode(i);
        Path dir = nodeDir(i);
        Files.createDirectories(dir);
        Properties props = properties(i);
        Path file = dir.resolve("server.properties");   // owner-only: a secured cluster's holds the super user's password
        KeyFiles.store(file, props, "generated by ./fedprune broker (rewritten at every start)");
        if (!Files.exists(dir.resolve("logs").resolve("meta.properties"))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            // "--cluster-id=ID", not "--cluster-id ID": a base64url id may start with '-' and would be read as an option
            int rc = StorageTool.execute(new String[]{"format", "--cluster-id=" + clusterId(), "--config", file.toString()},
                    new PrintStream(out, true, StandardCharsets.UTF_8));
            if (rc != 0) throw new IOException("formatting " + dir + " failed: " + out.toString(StandardCharsets.UTF_8));
            formatted.add(i);
        }
        return KafkaConfig.fromProps(props, false);
    }

    /** The cluster id: a UUID derived from the data directory's absolute path (stable across restarts). */
    public String clusterId() {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(
                    dataDir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            long msb = 0, lsb = 0;
            for (int k = 0; k < 8; k++) {
                msb = (msb << 8) | (h[k] & 0xff);
                lsb = (lsb << 8) | (h[8 + k] & 0xff);
            }
            return new Uuid(msb, lsb).toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void checkNode(int i) {
        if (i < 0 || i >= nodes) throw new IllegalArgumentException("node id must be in [0, " + nodes + "), was " + i);
    }

    /** Nodes running in this process; closing stops them cleanly (SIGTERM in the launcher does the same). */
    public final class Running implements AutoCloseable {
        private final List<Integer> ids;
        private final List<Integer> formatted;
        private final List<KafkaRaftServer> servers = new ArrayList<>();

        private Running(List<Integer> ids, List<Integer> formatted) {
            this.ids = List.copyOf(ids);
            this.formatted = List.copyOf(formatted);
        }

        /** The nodes whose storage was new and formatted by this start. */
        public List<Integer> formatted() {
            return formatted;
        }

        /** The ids of the nodes this process runs. */
        public List<Integer> nodeIds() {
            return ids;
        }

        /** The whole cluster's bootstrap servers. */
        public String bootstrapServers() {
            return KraftCluster.this.bootstrapServers();
        }

        private void awaitReady(Duration timeout) throws Exception {
            StringJoiner mine = new StringJoiner(",");
            for (int i : ids) mine.add("127.0.0.1:" + (port + i));
            Map<String, Object> cfg = new LinkedHashMap<>(adminProperties());
            cfg.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, mine.toString());
            cfg.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
            try (Admin admin = Admin.create(cfg)) {
                admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        /** Stops the nodes (brokers first, then controllers, as Kafka's shutdown does) and waits for them. */
        @Override
        public void close() {
            for (KafkaRaftServer s : servers) s.shutdown();
            for (KafkaRaftServer s : servers) s.awaitShutdown();
        }
    }
}
