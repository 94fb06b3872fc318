package io.fedprune.deploy;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;

/**
 * {@code ./fedprune broker}: Kafka's own KRaft server ({@link KraftCluster}) on 127.0.0.1, in the foreground. The data
 * directory and the port are kept across restarts (storage is formatted only when new), so a restarted broker has the
 * job log, the blobs and the consumer offsets it had. {@code --nodes 3} runs a three-node cluster (in this process, or
 * one node per process with {@code --node-id}). Prints {@code bootstrap: HOST:PORT[,...]} when ready; SIGINT or
 * SIGTERM shut it down cleanly.
 */
@Command(name = "broker", mixinStandardHelpOptions = true, version = io.fedprune.Version.LINE,
        description = "Run Kafka (KRaft, broker + controller) on 127.0.0.1 in the foreground; data and port survive restarts (Ctrl-C stops it).")
public final class BrokerMain implements Callable<Integer> {

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

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        KraftCluster cluster = new KraftCluster(dataDir, port, nodes, messageMaxBytes, Map.of());
        List<Integer> which = nodeId == null ? IntStream.range(0, nodes).boxed().toList() : List.of(nodeId);
        KraftCluster.Running running = cluster.start(which, Duration.ofMinutes(2));
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
        System.out.println("bootstrap: " + cluster.bootstrapServers());
        System.out.flush();
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        System.exit(io.fedprune.Cli.execute(new BrokerMain(), args));
    }
}
