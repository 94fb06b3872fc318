package io.fedprune.agent;

import io.fedprune.data.Dataset;
import io.fedprune.kafka.KafkaOptions;
import io.fedprune.wire.Budget;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code ./fedprune agent}: one device agent, running until interrupted. */
@Command(name = "fedprune agent", mixinStandardHelpOptions = true, version = io.fedprune.Version.LINE, sortOptions = false,
        description = "A fedprune device agent: registers with the coordinator over Kafka, trains DPP mask logits on its "
                + "private data when selected for a round, and applies the deployed tier that fits its budget.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped normally", "1:unreadable data or broker unreachable", "2:bad option"})
public final class AgentMain implements Callable<Integer> {

    @Option(names = "--device-id", required = true, description = "Device id (unique in the fleet).")
    String deviceId;

    @Option(names = "--budget", required = true, paramLabel = "KEEP|LAYER=K,...",
            description = "Pruning budget: a keep ratio in (0, 1] (e.g. 0.1), per-layer k (fc1=40,fc2=15), or both (0.1,fc3=30).")
    String budget;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "Data folder: IDX files (MNIST's four names, plain or .gz), NumPy x_train.npy/y_train.npy/x_test.npy/y_test.npy, or image folders train/<class>/, test/<class>/.")
    Path data;

    @Option(names = "--partition", defaultValue = "all", paramLabel = "SPEC",
            description = "This device's share of --data: all, iid:I/N[:SEED] or dirichlet:ALPHA:I/N[:SEED] (device I of N). Default: ${DEFAULT-VALUE}.")
    String partition;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS).")
    String bootstrap;

    @CommandLine.Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Option(names = "--topic-prefix", defaultValue = "", description = "Topic name prefix (default none).")
    String topicPrefix;

    @Option(names = "--work-dir", defaultValue = "work/agent", paramLabel = "DIR",
            description = "Where the agent keeps the deployed tier's artifact. Default: ${DEFAULT-VALUE}.")
    Path workDir;

    @Option(names = "--enrol-url", paramLabel = "URL",
            description = "The coordinator's REST API (e.g. http://127.0.0.1:8080/) to enrol this device's key with --enrol-token; "
                    + "not needed once enrolled (the identity is kept under --work-dir).")
    java.net.URI enrolUrl;

    @Option(names = "--enrol-token", paramLabel = "TOKEN", defaultValue = "${env:FEDPRUNE_ENROL_TOKEN}",
            description = "One-time enrolment token issued by the operator (POST /enrolment-tokens). Default: $FEDPRUNE_ENROL_TOKEN.")
    String enrolToken;

    @Option(names = "--enrol-token-file", paramLabel = "FILE",
            description = "Read the enrolment token from FILE (e.g. a mounted secret) instead of --enrol-token.")
    Path enrolTokenFile;

    @Option(names = "--max-params", defaultValue = "0", paramLabel = "N",
            description = "The largest model this device runs, in parameters; it is not selected for jobs of bigger models (0 = no limit). Default: ${DEFAULT-VALUE}.")
    long maxParams;

    @Option(names = "--heartbeat-ms", defaultValue = "5000", description = "Heartbeat period. Default: ${DEFAULT-VALUE}.")
    long heartbeatMs;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line; returns the exit code. */
    public static int run(String... args) {
        return io.fedprune.Cli.execute(new AgentMain(), args);
    }

    @Override
    public Integer call() throws Exception {
        Budget b;
        PartitionSpec part;
        Map<String, String> kafkaProperties;
        try {
            b = parseBudget(budget);
            part = PartitionSpec.parse(partition);
            kafkaProperties = kafka.properties();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
        }
        if (bootstrap == null && System.getenv("KAFKA_BOOTSTRAP_SERVERS") == null)
            throw new CommandLine.ParameterException(new CommandLine(this), "no broker: give --bootstrap or set KAFKA_BOOTSTRAP_SERVERS");
        io.fedprune.data.ImageData split;   // raw values: preprocessed as each job's model declares
        try {
            if (!Files.isDirectory(data)) throw new java.io.IOException("not a folder: " + data);
            split = io.fedprune.data.ImageData.load(data);
        } catch (Exception e) {
            System.err.println("fedprune agent: cannot read data in " + data + ": " + e.getMessage());
            return 1;
        }
        Dataset train = part.apply(split.train()), test = part.applyTest(split.train(), split.test());
        Agent agent;
        try {
            agent = new Agent(new Agent.Settings(deviceId, b, train, test, workDir, maxParams, null));
        } catch (IllegalArgumentException e) {
            System.err.println("fedprune agent: " + e.getMessage());
            return 1;
        }
        Path identityFile = DeviceIdentity.file(workDir, deviceId);
        java.util.Optional<DeviceIdentity> identity;
        try {
            identity = DeviceIdentity.load(identityFile);
        } catch (java.io.IOException e) {
            System.err.println("fedprune agent: " + e.getMessage());
            return 1;
        }
        if (identity.isEmpty() && enrolTokenFile != null) {
            try {
                enrolToken = Files.readString(enrolTokenFile).trim();
            } catch (java.io.IOException e) {
                System.err.println("fedprune agent: cannot read the enrolment token: " + e.getMessage());
                return 1;
            }
        }
        if (identity.isEmpty() && (enrolUrl == null || enrolToken == null || enrolToken.isBlank()))
            throw new CommandLine.ParameterException(new CommandLine(this), "device " + deviceId + " is not enrolled yet (no "
                    + identityFile + "): give --enrol-url and --enrol-token (or --enrol-token-file, or FEDPRUNE_ENROL_TOKEN)");
        java.security.KeyPair keys = identity.map(DeviceIdentity::keys).orElseGet(io.fedprune.wire.Signatures::generate);
        java.security.PublicKey[] coordinatorKey = {identity.map(DeviceIdentity::coordinatorKey).orElse(null)};
        Enrolment enrolment = identity.isPresent() ? Enrolment.known(coordinatorKey[0]) : (id, key) -> {
            coordinatorKey[0] = Enrolment.http(enrolUrl, enrolToken).enrol(id, key);
            new DeviceIdentity(keys, coordinatorKey[0]).save(identityFile);
            return coordinatorKey[0];
        };
        AgentHub hub;
        try {
            hub = AgentHub.start(new AgentHub.Config(bootstrap, topicPrefix, 1, heartbeatMs, 60_000, kafkaProperties), enrolment);
        } catch (RuntimeException e) {
            System.err.println("fedprune agent: cannot reach the broker: " + e.getMessage());
            return 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            hub.close();
            stop.countDown();
        }));
        hub.onActivity(line -> {
            System.out.println(line);
            System.out.flush();
        });
        try {
            hub.add(agent, keys);
        } catch (IllegalStateException e) {
            System.err.println("fedprune agent: " + e.getMessage());
            hub.close();
            return 1;
        }
        System.out.printf("fedprune agent %s: budget %s, %d training and %d test images; waiting for rounds%n",
                deviceId, budget, train.n(), test.n());
        stop.await();
        return 0;
    }

    /** Parses {@code 0.1}, {@code fc1=40,fc2=15} or {@code 0.1,fc3=30}. */
    static Budget parseBudget(String s) {
        double keep = 0;
        Map<String, Integer> ks = new TreeMap<>();
        for (String part : s.split(",")) {
            String p = part.trim();
            try {
                if (p.contains("=")) {
                    String[] kv = p.split("=", 2);
                    int k = Integer.parseInt(kv[1].trim());
                    if (k < 1) throw new IllegalArgumentException("budget: k of " + kv[0] + " must be >= 1, was " + k);
                    ks.put(kv[0].trim(), k);
                } else {
                    keep = Double.parseDouble(p);
                    if (!(keep > 0 && keep <= 1)) throw new IllegalArgumentException("budget: keep must be in (0, 1], was " + p);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("budget: cannot parse '" + p + "' (expected KEEP or LAYER=K)");
            }
        }
        return new Budget(keep, ks);
    }
}
