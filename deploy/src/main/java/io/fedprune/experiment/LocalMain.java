package io.fedprune.experiment;

import io.fedprune.Version;
import io.fedprune.cli.LauncherCommand;
import io.fedprune.dpp.Granularity;
import io.fedprune.experiment.LocalExperiment.Options;
import io.fedprune.model.ModelArch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ./fedprune local}: the command line of {@link LocalExperiment}; defaults from {@link Options#DEFAULTS}. */
@Command(name = "local", mixinStandardHelpOptions = true, version = Version.LINE, sortOptions = false,
        description = "Centralised DPP against magnitude and random k-of-n masks (weights frozen): the built-ins on MNIST "
                + "(writes docs/RESULTS.md), or an ONNX model on its data (--model PATH.onnx --data DIR).",
        footer = "The output layer always keeps at least 25%% (weight level).")
public final class LocalMain implements Callable<Integer> {
    private static final Options D = Options.DEFAULTS;

    @Option(names = "--data", paramLabel = "DIR", description = "Data folder: MNIST's IDX files for the built-ins; with --model any layout the demo reads (IDX, NumPy, image folders) (default: ${DEFAULT-VALUE}).")
    Path data = D.data();
    @Option(names = "--model", paramLabel = "PATH.onnx", description = "An ONNX model to prune instead of the built-ins (its weights are trained: imported, checked against --data and measured, no dense training); rows: --keeps at --granularity.")
    String model = D.model();
    @Option(names = "--granularity", paramLabel = "G", description = "With --model: WEIGHT, KERNEL or FILTER for the hidden layers (KERNEL: the convolutions; the output layer stays WEIGHT) (default: the default plan, KERNEL for every Conv, WEIGHT for every Gemm/MatMul).")
    Granularity granularity = D.granularity();
    @Option(names = "--work", paramLabel = "DIR", description = "Work folder; dense models are cached in DIR/models (default: ${DEFAULT-VALUE}).")
    Path work = D.work();
    @Option(names = "--out", paramLabel = "FILE", description = "Markdown report (default: " + Options.DEFAULT_OUT + "; with --model: WORK/local-MODEL.md).")
    Path out;
    @Option(names = "--json", paramLabel = "FILE", description = "Also write {\"dense\": {...}, \"rows\": [...]} to FILE.")
    Path json = D.json();
    @Option(names = "--models", split = ",", paramLabel = "MODEL", converter = Arch.class,
            description = "Models: lenet300, lenet5 (default: lenet300,lenet5).")
    List<ModelArch> models = D.models();
    @Option(names = "--keeps", split = ",", paramLabel = "KEEP", description = "LeNet-300-100 weight-level keeps, or the keeps of --model (default: ${DEFAULT-VALUE}).")
    List<Double> keeps = D.keeps();
    @Option(names = "--lenet5-rows", split = ",", paramLabel = "G:KEEP",
            description = "LeNet-5 rows granularity:keep, the granularity of the conv layers (weight, kernel or filter; dense layers are weight level) (default: ${DEFAULT-VALUE}).")
    List<String> lenet5Rows = D.lenet5Rows();
    @Option(names = "--dense-epochs", paramLabel = "N", description = "Dense training epochs (default: ${DEFAULT-VALUE}).")
    int denseEpochs = D.denseEpochs();
    @Option(names = "--dpp-epochs", paramLabel = "N", description = "DPP epochs (default: ${DEFAULT-VALUE}).")
    int dppEpochs = D.dppEpochs();
    @Option(names = "--random-seeds", paramLabel = "N", description = "Random masks averaged over N seeds (default: ${DEFAULT-VALUE}).")
    int randomSeeds = D.randomSeeds();
    @Option(names = "--seed", paramLabel = "N", description = "Seed of dense training, DPP and the random masks (default: ${DEFAULT-VALUE}).")
    long seed = D.seed();
    @Option(names = "--train-limit", paramLabel = "N", description = "Use only the first N training images, 0 = all (default: ${DEFAULT-VALUE}).")
    int trainLimit = D.trainLimit();
    @Option(names = "--test-limit", paramLabel = "N", description = "Use only the first N test images, 0 = all (default: ${DEFAULT-VALUE}).")
    int testLimit = D.testLimit();
    @Option(names = "--variant-keeps", split = ",", paramLabel = "KEEP",
            description = "LeNet-300-100 keeps of the variants, DPP with 8-bit weights and DPP jointly with the weights; 'none' skips them (default: ${DEFAULT-VALUE}).")
    List<String> variantKeeps = D.variantKeeps().stream().map(String::valueOf).toList();
    @Option(names = "--threads", paramLabel = "N", description = "Java threads for the DPP mask work, 1 or 2 (default: ${DEFAULT-VALUE}).")
    int threads = D.threads();
    @Option(names = "--retrain", description = "Retrain the dense models even if cached.")
    boolean retrain = D.retrain();

    @Spec
    CommandSpec spec;

    private final String[] args;

    public LocalMain(String[] args) {
        this.args = args.clone();
    }

    /** A model by its id ({@link ModelArch#parse}). */
    static final class Arch implements CommandLine.ITypeConverter<ModelArch> {
        @Override
        public ModelArch convert(String value) {
            try {
                return ModelArch.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** The options as given; {@link IllegalArgumentException} naming a bad one. */
    Options options() {
        List<Double> variants = variantKeeps.equals(List.of("none")) ? List.of() : variantKeeps.stream().map(v -> {
            try {
                return Double.parseDouble(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--variant-keeps: '" + v + "' is not a number");
            }
        }).toList();
        Path report = out != null ? out : model == null ? D.out()
                : work.resolve("local-" + Path.of(model).getFileName().toString().replaceFirst("(?i)\\.onnx$", "") + ".md");
        return new Options(data, work, report, json, models, keeps, lenet5Rows, denseEpochs, dppEpochs, randomSeeds, seed,
                trainLimit, testLimit, variants, threads, retrain, LauncherCommand.of("local", args, D.data()), model, granularity);
    }

    @Override
    public Integer call() throws IOException {
        Options o;
        try {
            o = options();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintStream log = System.out;
        LocalExperiment.Results r;
        try {
            r = LocalExperiment.run(o, log);
        } catch (LocalExperiment.BadData e) {
            System.err.println("local: " + e.getMessage());
            return io.fedprune.Cli.BAD_USAGE;
        }
        ResultsReport.writeMarkdown(r, o.out());
        log.println("wrote " + o.out());
        if (o.json() != null) {
            ResultsReport.writeJson(r, o.json());
            log.println("wrote " + o.json());
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(io.fedprune.Cli.execute(new LocalMain(args), args));
    }
}
