package io.fedprune.deploy;

import io.fedprune.kafka.FleetSecurity;
import io.fedprune.kafka.KafkaClients;
import io.fedprune.wire.KeyFiles;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;

/**
 * {@code ./fedprune broker}: Kafka's own KRaft server ({@link KraftCluster}) on 127.0.0.1, in the foreground. The data
 * directory and the port are kept across restarts (storage is formatted only when new), so a restarted broker has the
 * job log, the blobs and the consumer offsets it had. {@code --nodes 3} runs a three-node cluster (in this process, or
 * one node per process with {@code --node-id}). Prints {@code bootstrap: HOST:PORT[,...]} when ready; SIGINT or
 * SIGTERM shut it down cleanly.
 *
 * <p>{@code --secure}: SASL on every listener and the users and ACLs of {@link FleetSecurity} (docs/SECURITY.md).
 * The passwords are made once and kept in {@code <data-dir>/security.properties}; at every start the users and ACLs
 * are applied again (idempotent) and the client settings are written to {@code <data-dir>/coordinator.properties},
 * {@code agent.properties} (for {@code --kafka-config}) and {@code admin.properties} (the super user), all owner-only.
 */
@Command(name = "broker", mixinStandardHelpOptions = true, version = io.fedprune.Version.LINE,
        description = "Run Kafka (KRaft, broker + controller) on 127.0.0.1 in the foreground; data and port survive restarts (Ctrl-C stops it).")
public final class BrokerMain implements Callable<Integer> {
    /** The secrets of a secured cluster, in the data directory. */
    public static final String SECRETS_FILE = "security.properties";
    /** The client settings files a secured cluster writes to its data directory. */
    public static final String COORDINATOR_SETTINGS = "coordinator.properties", AGENT_SETTINGS = "agent.properties",
            ADMIN_SETTINGS = "admin.properties";
    /** The super user of a secured cluster (PLAIN). */
    public static final String SUPER_USER = "fedprune-admin";

    @Option(names = "--data-dir", description = "Folder for the cluster's logs and metadata, kept across restarts (default: ${DEFAULT-VALUE}).",
            defaultValue = "work/broker")
    Path dataDir;

    @Option(names = "--port", description = "Client port of the first node; node i uses PORT+i, its controller PORT+NODES+i (default: ${DEFAULT-VALUE}).",
            defaultValue = "9092")
    int port;

    @Option(names = "--nodes", description = "Nodes in the cluster (3 to try replication) (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    int nodes;

    @Option(names = "--node-id", description = "Run only this node (0-based) of the cluster in this process (default: all nodes).")
    Integer nodeId;

    @Option(names = "--message-max-bytes", description = "Broker message.max.bytes (default: ${DEFAULT-VALUE}, Kafka's default).",
            defaultValue = "1048588")
    int messageMaxBytes;

    @Option(names = "--secure", description = {"SASL (SCRAM-SHA-256 users fedprune-coordinator and fedprune-agent) and the ACLs of docs/SECURITY.md;",
            "writes the client settings to the data directory: coordinator.properties and agent.properties (for --kafka-config),",
            "admin.properties (the super user, for Kafka's tools)."})
    boolean secure;

    /**
     * A started broker: its nodes and, when secured, the client settings files by role ({@code coordinator},
     * {@code agent}, {@code admin}).
     */
    public record Started(KraftCluster cluster, KraftCluster.Running running, Map<String, Path> clientSettings) implements AutoCloseable {
        @Override
        public void close() {
            running.close();
        }
    }

    /** Starts the broker these options describe (and, with {@code --secure}, its users, ACLs and client settings). */
    public Started start() throws Exception {
        if (secure && nodeId != null)
            throw new CommandLine.ParameterException(new CommandLine(this), "--secure runs every node in this process: leave out --node-id");
        Properties secrets = secure ? secrets(dataDir.resolve(SECRETS_FILE)) : null;
        KraftCluster cluster = new KraftCluster(dataDir, port, nodes, messageMaxBytes, Map.of(),
                secure ? new KraftCluster.SuperUser(SUPER_USER, secrets.getProperty("admin.password")) : null);
        List<Integer> which = nodeId == null ? IntStream.range(0, nodes).boxed().toList() : List.of(nodeId);
        KraftCluster.Running running = cluster.start(which, Duration.ofMinutes(2));
        if (!secure) return new Started(cluster, running, Map.of());
        try {
            FleetSecurity.Credentials credentials = new FleetSecurity.Credentials("fedprune-coordinator",
                    secrets.getProperty("coordinator.password"), "fedprune-agent", secrets.getProperty("agent.password"));
            try (Admin admin = KafkaClients.of(cluster.bootstrapServers()).with(cluster.adminProperties()).admin()) {
                FleetSecurity.apply(admin, credentials, "");
            }
            Map<String, Path> files = new LinkedHashMap<>();
            files.put("coordinator", write(COORDINATOR_SETTINGS, credentials.coordinatorProperties(), "the coordinator's Kafka client settings"));
            files.put("agent", write(AGENT_SETTINGS, credentials.agentProperties(), "every agent's Kafka client settings"));
            files.put("admin", write(ADMIN_SETTINGS, cluster.adminProperties(), "the super user's Kafka client settings (Kafka's tools: --command-config)"));
            return new Started(cluster, running, files);
        } catch (Exception e) {
            running.close();
            throw e;
        }
    }

    /** The secrets of a secured cluster: kept from an earlier start, or made now. */
    private static Properties secrets(Path file) throws IOException {
        if (Files.exists(file)) return KeyFiles.load(file);
        Properties p = new Properties();
        for (String k : List.of("admin.password", "coordinator.password", "agent.password")) p.setProperty(k, FleetSecurity.randomPassword());
        KeyFiles.store(file, p, "passwords of ./fedprune broker --secure (made at its first start)");
        return p;
    }

    private Path write(String name, Map<String, String> properties, String comment) throws IOException {
        Properties p = new Properties();
        p.putAll(properties);
        Path file = dataDir.resolve(name).toAbsolutePath();
        KeyFiles.store(file, p, comment);
        return file;
    }

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        Started started = start();
        KraftCluster.Running running = started.running();
        if (!running.formatted().isEmpty()) System.out.println("formatted new storage for nodes " + running.formatted());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("stopping broker ...");
            try {
                running.close();
            } catch (RuntimeException e) {
                System.err.println("error while stopping the broker: " + e);
            }
            System.out.println("broker stopped");
            stopped.countDown();
        }, "broker-shutdown"));
        System.out.printf("broker ready in %.1f s (nodes %s of %d), data in %s%n", (System.nanoTime() - t0) / 1e9,
                running.nodeIds(), nodes, dataDir.toAbsolutePath());
        if (secure) {
            Map<String, Path> f = started.clientSettings();
            System.out.println("secured: SASL, users fedprune-coordinator and fedprune-agent (SCRAM-SHA-256), ACLs of docs/SECURITY.md; client settings:");
            System.out.println("  coordinator: ./fedprune coordinator --kafka-config " + f.get("coordinator"));
            System.out.println("  agents:      ./fedprune agent ... --kafka-config " + f.get("agent"));
            System.out.println("  super user:  " + f.get("admin") + " (Kafka's tools: --command-config)");
        }
        System.out.println("bootstrap: " + started.cluster().bootstrapServers());
        System.out.flush();
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        System.exit(io.fedprune.Cli.execute(new BrokerMain(), args));
    }
}
