package io.fedprune.deploy;

import io.fedprune.cli.LauncherCommand;
import io.fedprune.cli.ReportJson;
import io.fedprune.dpp.Granularity;
import io.fedprune.fuse.Fusion;
import io.fedprune.fuse.ServerOptimizer;
import io.fedprune.fuse.Weighting;
import io.fedprune.wire.TensorEncoding;
import io.fedprune.deploy.report.DemoReport;
import io.fedprune.deploy.report.ReportWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ./fedprune demo}: the sandbox (broker, coordinator and a fleet of agents in one process) and its report. */
@Command(name = "demo", mixinStandardHelpOptions = true, version = io.fedprune.Version.LINE, sortOptions = false,
        description = {"Run the sandbox: a Kafka broker, the coordinator and a fleet of simulated devices in one process;",
                "one federated pruning job on MNIST with progress; then centralised baselines and a report",
                "(Markdown with SVG plots, and JSON) in --out. Exits 0 and leaves nothing running."})
public final class DemoMain implements Callable<Integer> {
    static final String DEFAULT_DATA_DIR = "data/mnist";
    /** The log file in the report folder. */
    static final String LOG_FILE = "demo.log";

    @Option(names = "--devices", defaultValue = "10", description = "Simulated devices (default: ${DEFAULT-VALUE}).")
    int devices;
    @Option(names = "--rounds", defaultValue = "20", description = "Federated rounds (default: ${DEFAULT-VALUE}).")
    int rounds;
    @Option(names = "--budgets", defaultValue = "0.05,0.10,0.25", split = ",", paramLabel = "KEEP[,KEEP...]",
            description = "Keep ratios spread round-robin over the devices; also the deployment tiers (default: ${DEFAULT-VALUE}).")
    List<Double> budgets;
    @Option(names = "--alpha", defaultValue = "0.5", description = "Dirichlet label-skew concentration of the split (default: ${DEFAULT-VALUE}).")
    double alpha;
    @Option(names = "--data", defaultValue = DEFAULT_DATA_DIR, paramLabel = "DIR",
            description = "Data folder: IDX files (MNIST's four names), NumPy x_train.npy/y_train.npy/x_test.npy/y_test.npy, or image folders train/<class>/, test/<class>/; must fit the model (default: ${DEFAULT-VALUE}).")
    Path data;
    @Option(names = "--model", defaultValue = "lenet300", paramLabel = "lenet300|lenet5|PATH.onnx", description = "A built-in model, or an ONNX file (its weights are trained: imported, checked against the data and measured; see docs/MODELS.md) (default: ${DEFAULT-VALUE}).")
    String model;
    @Option(names = "--granularity", description = "${COMPLETION-CANDIDATES} for the hidden layers (KERNEL: the convolutions; the output layer stays WEIGHT) (default: the model's default plan, KERNEL for every Conv, WEIGHT for every Gemm/MatMul).")
    Granularity granularity;
    @Option(names = "--fusion", description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Fusion fusion = io.fedprune.coordinator.job.JobSpec.DEFAULT_FUSION;
    @Option(names = "--weighting", description = "A device's weight in the fusion: SQRT_SAMPLES (the square root of its sample count), SAMPLES (its sample count) or EQUAL (one vote per device) (default: ${DEFAULT-VALUE}).")
    Weighting weighting = io.fedprune.coordinator.job.JobSpec.DEFAULT_WEIGHTING;
    @Option(names = "--server-optimizer", defaultValue = "NONE", description = "${COMPLETION-CANDIDATES} over the fused logits (default: ${DEFAULT-VALUE}).")
    ServerOptimizer.Kind serverOptimizer;
    @Option(names = "--encoding", description = "Update encoding ${COMPLETION-CANDIDATES} (MASK: the device's top-k mask, at most 1 bit per parameter) (default: ${DEFAULT-VALUE}).")
    TensorEncoding encoding = io.fedprune.coordinator.job.JobSpec.DEFAULT_UPDATE_ENCODING;
    @Option(names = "--seed", defaultValue = "1", description = "Seed of the split, selection and training (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--out", defaultValue = "work/demo", paramLabel = "DIR", description = "Report folder (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--json", paramLabel = "FILE", description = "Also write the JSON report to FILE.")
    Path json;
    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Use this Kafka broker instead of the embedded one.")
    String bootstrap;
    @CommandLine.Mixin
    io.fedprune.kafka.KafkaOptions kafka = new io.fedprune.kafka.KafkaOptions();
    @Option(names = "--work", defaultValue = "work", paramLabel = "DIR", description = "Cache folder: pretrained models (default: ${DEFAULT-VALUE}).")
    Path work;
    @Option(names = "--pretrain-epochs", defaultValue = "10", description = "Dense pretraining epochs (cached; default: ${DEFAULT-VALUE}).")
    int pretrainEpochs;
    @Option(names = "--train-samples", defaultValue = "0", description = "Use only the first N training images (0 = all; default: ${DEFAULT-VALUE}).")
    int trainSamples;
    @Option(names = "--test-samples", defaultValue = "0", description = "Evaluate on the first N test images (0 = all; default: ${DEFAULT-VALUE}).")
    int testSamples;
    @Option(names = "--validation-samples", defaultValue = "0", paramLabel = "N",
            description = "The coordinator holds out the last N training images (never given to a device; needs --train-samples) as a validation split: every tier deploys the masks of its best round on it, not the last round's (0 = off; default: ${DEFAULT-VALUE}).")
    int validationSamples;
    @Option(names = "--baseline-epochs", defaultValue = "5", description = "Epochs of the centralised DPP baseline, 0 skips the baselines (default: ${DEFAULT-VALUE}).")
    int baselineEpochs;
    @Option(names = "--train-threads", defaultValue = "2", description = "Agents training at the same time (default: ${DEFAULT-VALUE}).")
    int trainThreads;
    @Option(names = "--deadline-ms", defaultValue = "600000", description = "Round deadline in ms (default: ${DEFAULT-VALUE}).")
    long deadlineMs;

    @Option(names = "--port", defaultValue = "" + Demo.Serving.DEFAULT_PORT, paramLabel = "PORT",
            description = "Port of the dashboard and REST API on 127.0.0.1; a free one if taken, 0 = any (default: ${DEFAULT-VALUE}).")
    int port;
    @Option(names = "--keep-open", description = "Keep serving the dashboard after the report is written, until Ctrl-C.")
    boolean keepOpen;
    @Option(names = "--verbose", description = "Logs on the console instead of in demo.log beside the report.")
    boolean verbose;

    @Option(names = "--local-epochs", defaultValue = "1", description = "Passes over its data per device and round (default: ${DEFAULT-VALUE}).")
    int localEpochs;
    @Option(names = "--temperature-end", paramLabel = "T",
            description = "The devices' relaxation temperature at the end of the job; it falls linearly from the start temperature over all rounds (default: ${DEFAULT-VALUE}).")
    double temperatureEnd = io.fedprune.coordinator.job.JobSpec.DEFAULT_TEMPERATURE_END;
    @Option(names = "--tier-proximity", paramLabel = "P",
            description = "0: every tier cut from one ranking of all devices' votes; P > 0 (at most 4): each tier from its own fusion, a device's vote weighted by (smaller / larger of its budget and the tier)^P, the tiers nested smallest first (default: ${DEFAULT-VALUE}; docs/MODELS.md).")
    double tierProximity = io.fedprune.coordinator.job.JobSpec.DEFAULT_TIER_PROXIMITY;
    @Option(names = "--nested-training", arity = "1", paramLabel = "true|false",
            description = "true: every device trains its logits at each tier its budget runs, its steps cycling over them smallest first; false: at its own tier only (default: ${DEFAULT-VALUE}; docs/MODELS.md).")
    boolean nestedTraining = io.fedprune.coordinator.job.JobSpec.DEFAULT_NESTED_TRAINING;
    @Option(names = "--row-ranks", arity = "1", paramLabel = "true|false",
            description = "true: devices send each logits row's ranks, which RANK fusion folds without sorting, at 16 more bits per parameter of uplink; needs --fusion RANK, not --encoding MASK (default: ${DEFAULT-VALUE}; docs/PROTOCOL.md).")
    boolean rowRanks = io.fedprune.coordinator.job.JobSpec.DEFAULT_ROW_RANKS;
    @Option(names = "--lr", defaultValue = "0.2", description = "Adam learning rate of the devices' logits (default: ${DEFAULT-VALUE}).")
    double lr;

    private final String[] args;

    public DemoMain(String[] args) {
        this.args = args;
    }

    @Override
    public Integer call() throws Exception {
        DemoConfig cfg;
        try {
            cfg = new DemoConfig(data, out, work, json, bootstrap, devices, rounds, budgets, alpha, model, granularity,
                    fusion, weighting, serverOptimizer, encoding, seed, pretrainEpochs, trainSamples, testSamples, validationSamples, baselineEpochs,
                    trainThreads, deadlineMs, localEpochs, lr, temperatureEnd, tierProximity, nestedTraining, rowRanks, kafka.properties());
        } catch (IllegalArgumentException e) {
            System.err.println("demo: " + e.getMessage());
            return 2;
        }
        if (!Files.isDirectory(data)) {
            System.err.println("demo: data folder " + data.toAbsolutePath() + " not found (run ./fedprune fetch-data, or pass --data DIR)");
            return 2;
        }
        if (port < 0 || port > 65535) {
            System.err.println("demo: --port must be in 0..65535, was " + port);
            return 2;
        }
        PrintStream console = System.out, errors = System.err;
        Path logFile = out.resolve(LOG_FILE);
        PrintStream log = null;
        if (!verbose) {   // everything the libraries print or log goes to the log file; the console shows progress
            Files.createDirectories(out);
            log = new PrintStream(Files.newOutputStream(logFile), true, StandardCharsets.UTF_8);
            System.setOut(log);
            System.setErr(log);
        }
        try {
            new Demo(cfg, console, System.console() != null, new Demo.Serving(port, keepOpen, log == null ? null : logFile)).run(report -> {
                Path md = ReportWriter.write(report, out, LauncherCommand.of("demo", args, Path.of(DEFAULT_DATA_DIR)));
                if (json != null) {
                    if (json.toAbsolutePath().getParent() != null) Files.createDirectories(json.toAbsolutePath().getParent());
                    Files.writeString(json, ReportJson.write(report));
                }
                console.println("[demo] report: " + md + " (plots and report.json beside it" + (verbose ? "" : ", the logs in " + LOG_FILE)
                        + ")" + (json == null ? "" : "; JSON also in " + json));
            });
            return 0;
        } catch (io.fedprune.cli.ModelInput.BadInput e) {
            errors.println("demo: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            if (log != null) e.printStackTrace(log);
            errors.println("demo: failed: " + e + (log != null ? " (details in " + logFile + ")" : ""));
            if (log == null) e.printStackTrace(errors);
            return 1;
        } finally {
            System.setOut(console);
            System.setErr(errors);
            if (log != null) log.close();
        }
    }

    public static void main(String[] args) {
        System.exit(io.fedprune.Cli.execute(new DemoMain(args), args));
    }
}
