package io.fedprune.deploy;

import io.fedprune.kafka.EmbeddedBroker;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./fedprune broker}: a standalone single-node KRaft Kafka broker on 127.0.0.1, in the foreground. Prints
 * {@code bootstrap: 127.0.0.1:PORT} when ready; SIGINT or SIGTERM shut it down cleanly.
 */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Run a single-node KRaft Kafka broker on 127.0.0.1 in the foreground (Ctrl-C stops it).")
public final class BrokerMain implements Callable<Integer> {

    @Option(names = "--data-dir", description = "Folder for the broker's logs and metadata; wiped at start (default: ${DEFAULT-VALUE}).",
            defaultValue = "work/broker")
    Path dataDir;

    @Option(names = "--message-max-bytes", description = "Broker message.max.bytes (default: ${DEFAULT-VALUE}, Kafka's default).",
            defaultValue = "1048588")
    int messageMaxBytes;

    @Override
    public Integer call() throws Exception {
        Sandbox.deleteRecursively(dataDir);
        long t0 = System.nanoTime();
        EmbeddedBroker broker = EmbeddedBroker.start(new EmbeddedBroker.Config(dataDir, messageMaxBytes, java.util.Map.of()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("stopping broker ...");
            try {
                broker.close();
            } catch (Exception e) {
                System.err.println("error while stopping the broker: " + e);
            }
            System.out.println("broker stopped");
            stopped.countDown();
        }, "broker-shutdown"));
        System.out.printf("broker ready in %.1f s, data in %s%n", (System.nanoTime() - t0) / 1e9, dataDir.toAbsolutePath());
        System.out.println("bootstrap: " + broker.bootstrapServers());
        System.out.flush();
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new BrokerMain()).execute(args));
    }
}
