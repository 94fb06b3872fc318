package io.fedprune.experiment;

import io.fedprune.cli.ModelInput;
import io.fedprune.model.DenseConfig;
import io.fedprune.model.DenseTrainer;
import io.fedprune.model.DppResult;
import io.fedprune.model.DppTrainer;
import io.fedprune.model.LayerMetrics;
import io.fedprune.model.MaskSpecs;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.model.ModelFile;
import io.fedprune.model.Network;
import io.fedprune.model.ProgressListener;
import io.fedprune.model.Pruning;
import io.fedprune.model.TrainConfig;
import io.fedprune.data.Dataset;
import io.fedprune.data.Mnist;
import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.dpp.Masks;
import io.fedprune.dpp.Seeds;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./fedprune local}: centralised DPP against the magnitude and random k-of-n baselines on MNIST, weights
 * frozen. Trains the dense models (or loads them from {@code <work>/models}), then for every requested row
 * (model, granularity, keep) measures the test accuracy of magnitude masks, random masks (mean over seeds) and
 * DPP-trained masks, and writes {@code docs/RESULTS.md} (and {@code --json}); {@link LocalMain} is its command line.
 */
public final class LocalExperiment {

    /**
     * Options of a run; {@link #DEFAULTS} gives the full experiment.
     *
     * @param data          directory with the four MNIST IDX files
     * @param work          work directory; trained dense models are cached in {@code <work>/models}
     * @param out           Markdown report to write
     * @param json          JSON report to write, or null
     * @param models        architectures to run
     * @param keeps         LeNet-300-100 weight-level keep ratios
     * @param lenet5Rows    LeNet-5 rows as {@code granularity:keep} (granularity of the conv layers: weight, kernel or
     *                      filter; dense layers are weight level)
     * @param denseEpochs   dense training epochs
     * @param dppEpochs     DPP epochs
     * @param randomSeeds   random-mask seeds to average
     * @param seed          seed of dense training, DPP and the random masks
     * @param trainLimit    use only the first N training images (0 = all)
     * @param testLimit     use only the first N test images (0 = all)
     * @param variantKeeps  LeNet-300-100 keeps at which DPP also runs with 8-bit weights and jointly with the weights
     * @param threads       Java threads for the DPP per-group work (1 or 2)
     * @param retrain       ignore cached dense models
     * @param command       the command line to print as the reproduction command
     * @param model         an ONNX file to run instead of the built-ins of {@code models}, or null: its rows are
     *                      {@code keeps} at {@code granularity}
     * @param granularity   the imported model's hidden layers' granularity (as the demo's {@code --granularity}), or
     *                      null for the default plan ({@link MaskSpecs#defaultGranularity})
     */
    public record Options(Path data, Path work, Path out, Path json, List<ModelArch> models, List<Double> keeps,
                          List<String> lenet5Rows, int denseEpochs, int dppEpochs, int randomSeeds, long seed,
                          int trainLimit, int testLimit, List<Double> variantKeeps, int threads, boolean retrain,
                          String command, String model, Granularity granularity) {
        /** The report of the built-ins' run. */
        public static final String DEFAULT_OUT = "docs/RESULTS.md";
        public static final Options DEFAULTS = new Options(Path.of("data/mnist"), Path.of("work"),
                Path.of(DEFAULT_OUT), null, List.of(ModelArch.LENET300, ModelArch.LENET5),
                List.of(0.5, 0.25, 0.10, 0.05, 0.02),
                List.of("kernel:0.25", "kernel:0.10", "filter:0.50", "filter:0.25", "weight:0.05"),
                10, 5, 3, 0, 0, 0, List.of(0.05, 0.02), 1, false, "./fedprune local", null, null);

        public Options {
            models = List.copyOf(models);
            keeps = List.copyOf(keeps);
            lenet5Rows = List.copyOf(lenet5Rows);
            variantKeeps = List.copyOf(variantKeeps);
            for (double k : variantKeeps) if (!(k > 0 && k <= 1)) throw new IllegalArgumentException("--variant-keeps: " + k + " not in (0, 1]");
            for (double k : keeps) if (!(k > 0 && k <= 1)) throw new IllegalArgumentException("--keeps: " + k + " not in (0, 1]");
            for (String r : lenet5Rows) parseRow(r);
            if (denseEpochs < 1) throw new IllegalArgumentException("--dense-epochs must be >= 1");
            if (dppEpochs < 1) throw new IllegalArgumentException("--dpp-epochs must be >= 1");
            if (randomSeeds < 1) throw new IllegalArgumentException("--random-seeds must be >= 1");
            if (trainLimit < 0 || testLimit < 0) throw new IllegalArgumentException("--train-limit/--test-limit must be >= 0");
            if (threads < 1 || threads > 2) throw new IllegalArgumentException("--threads must be 1 or 2");
            if (model != null && !model.toLowerCase(Locale.ROOT).endsWith(".onnx"))
                throw new IllegalArgumentException("--model: '" + model + "' is not an ONNX file (PATH.onnx); the built-ins are --models");
            if (granularity != null && model == null)
                throw new IllegalArgumentException("--granularity applies to --model only (the built-ins: --lenet5-rows)");
            if (granularity == Granularity.TILE) throw new IllegalArgumentException("--granularity: WEIGHT, KERNEL or FILTER");
        }

        /** The models of the run: the imported model's file, else the built-ins' ids. */
        public List<String> modelIds() {
            return model != null ? List.of(model) : models.stream().map(ModelArch::id).toList();
        }
    }

    /**
     * One measured accuracy. {@code spread} is the standard deviation over random seeds (0 otherwise); {@code specs}
     * the masks' structure; {@code metrics} (DPP rows only) per layer in layer order.
     */
    public record Row(String model, String granularity, double keep, String method, double accuracy, double spread,
                      List<MaskSpec> specs, List<LayerMetrics> metrics, double millisPerStep) {
        public Row {
            specs = List.copyOf(specs);
            metrics = List.copyOf(metrics);
        }

        /** k per layer, e.g. {@code 40/15/25}. */
        public String ks() {
            return LocalExperiment.ks(specs);
        }
    }

    /**
     * Dense model summary: the model's id (a built-in's, or the ONNX file as given), test accuracy, epochs (0: imported,
     * trained elsewhere), mean time of one training step (batch 128), loaded from cache.
     */
    public record DenseInfo(String model, double accuracy, int epochs, double stepMillis, boolean cached) {
    }

    /** Everything a report needs. */
    public record Results(Options options, Map<String, DenseInfo> dense, List<Row> rows, TrainConfig dppConfig,
                          long millis) {
    }

    /** The data folder is missing or does not hold MNIST, or the model or data of {@code --model} is bad. */
    public static final class BadData extends IOException {
        BadData(String message) {
            super(message);
        }
    }

    private LocalExperiment() {
    }

    /** Runs the experiment, logging progress to {@code log}. */
    public static Results run(Options o, PrintStream log) throws IOException {
        long t0 = System.currentTimeMillis();
        if (o.model() != null) return runImported(o, log, t0);
        if (!Files.isDirectory(o.data()))
            throw new BadData("MNIST not found in " + o.data() + " (run ./fedprune fetch-data, or pass --data DIR)");
        Mnist.Split split;
        try {
            split = Mnist.load(o.data());
        } catch (IOException | IllegalArgumentException e) {
            throw new BadData("cannot read MNIST in " + o.data() + ": " + e.getMessage());
        }
        Dataset train = o.trainLimit() > 0 ? split.train().head(o.trainLimit()) : split.train();
        Dataset test = o.testLimit() > 0 ? split.test().head(o.testLimit()) : split.test();
        log.printf("MNIST: %d training, %d test images%n", train.n(), test.n());
        TrainConfig cfg = TrainConfig.DEFAULTS.withEpochs(o.dppEpochs()).withThreads(o.threads()).withEvaluate(false);
        Map<String, DenseInfo> dense = new LinkedHashMap<>();
        List<Row> rows = new ArrayList<>();
        for (ModelArch arch : o.models()) {
            Path cache = o.work().resolve("models").resolve(arch.id() + "-e" + o.denseEpochs() + "-s" + o.seed()
                    + (o.trainLimit() > 0 ? "-n" + o.trainLimit() : "") + ".model");
            boolean cached = !o.retrain() && Files.exists(cache);
            Model model;
            if (cached) {
                model = ModelFile.read(cache);
                log.println("loaded " + arch.id() + " from " + cache);
            } else {
                model = DenseTrainer.train(Model.init(arch.graph(), o.seed()), train, test,
                        DenseConfig.DEFAULTS.withEpochs(o.denseEpochs()), o.seed(), ProgressListener.printing(log));
                ModelFile.write(model, cache);
                log.println("saved " + arch.id() + " to " + cache);
            }
            Network net = Network.of(model);
            double acc = net.evaluate(test).accuracy();
            double step = denseStepMillis(model, train, o.seed());
            dense.put(arch.id(), new DenseInfo(arch.id(), acc, o.denseEpochs(), step, cached));
            log.printf("%s dense: test accuracy %.2f%%, training step %.2f ms (batch 128)%n", arch.id(), 100 * acc, step);
            for (String spec : rowsFor(arch, o)) {
                String[] gk = parseRow(spec);
                double keep = Double.parseDouble(gk[1]);
                Granularity conv = Granularity.valueOf(gk[0].toUpperCase(Locale.ROOT));
                List<MaskSpec> specs = MaskSpecs.of(arch.graph(), conv, Granularity.WEIGHT, keep, MaskSpecs.OUTPUT_MIN_KEEP);
                rows.addAll(row(arch.id(), gk[0], keep, specs, model, net, train, test, cfg, o, log));
            }
            if (arch == ModelArch.LENET300) rows.addAll(variants(model, net, train, test, cfg, o, log));
        }
        return new Results(o, dense, rows, cfg, System.currentTimeMillis() - t0);
    }

    /**
     * {@code ./fedprune local --model PATH.onnx}: the imported model (its weights are trained: no dense training) on the
     * data of {@code --data}, checked against it, one row per keep at {@code --granularity} or the default plan.
     */
    private static Results runImported(Options o, PrintStream log, long t0) throws IOException {
        ModelInput in;
        try {
            in = ModelInput.load(o.model(), o.data(), o.trainLimit(), o.testLimit());
        } catch (ModelInput.BadInput e) {
            throw new BadData(e.getMessage());
        }
        Dataset train = in.train(), test = in.test();
        log.printf("%s: %d training, %d test images of %s, %d classes (%s layout)%n", o.data(), train.n(), test.n(),
                train.shape(), train.classes(), in.data().layout());
        Model model = in.imported();
        Network net = Network.of(model);
        double acc = net.evaluate(test).accuracy();
        try {
            in.checkAboveChance(acc, o.data());
        } catch (ModelInput.BadInput e) {
            throw new BadData(e.getMessage());
        }
        double step = denseStepMillis(model, train, o.seed());
        log.printf("%s dense (imported, measured here): test accuracy %.2f%%, training step %.2f ms (batch 128)%n", o.model(), 100 * acc, step);
        TrainConfig cfg = TrainConfig.DEFAULTS.withEpochs(o.dppEpochs()).withThreads(o.threads()).withEvaluate(false);
        String label = o.granularity() == null ? "default" : o.granularity().name().toLowerCase(Locale.ROOT);
        List<Row> rows = new ArrayList<>();
        for (double keep : o.keeps()) {
            rows.addAll(row(o.model(), label, keep, MaskSpecs.of(in.graph(), o.granularity(), keep), model, net, train, test, cfg, o, log));
        }
        return new Results(o, Map.of(o.model(), new DenseInfo(o.model(), acc, 0, step, false)), rows, cfg, System.currentTimeMillis() - t0);
    }

    /** The magnitude, random and DPP rows of one model, granularity and keep. */
    private static List<Row> row(String modelId, String label, double keep, List<MaskSpec> specs, Model model, Network net,
                                 Dataset train, Dataset test, TrainConfig cfg, Options o, PrintStream log) {
        List<Row> rows = new ArrayList<>();
        String what = String.format(Locale.ROOT, "%s %s keep %.0f%% (k %s)", modelId, label, 100 * keep, ks(specs));
        double mag = accuracy(net, model, specs, masks(specs, s -> Masks.magnitude(model.weight(s.layer()), s)), test);
        rows.add(new Row(modelId, label, keep, "magnitude", mag, 0, specs, List.of(), 0));
        double[] rnd = new double[o.randomSeeds()];
        for (int i = 0; i < rnd.length; i++) {
            int draw = i;
            rnd[i] = accuracy(net, model, specs, masks(specs, s -> Masks.random(s, Seeds.randomMask(o.seed(), draw, s.layer()))), test);
        }
        rows.add(new Row(modelId, label, keep, "random", mean(rnd), sd(rnd), specs, List.of(), 0));
        log.printf("%s: magnitude %.2f%%, random %.2f%%%n", what, 100 * mag, 100 * mean(rnd));
        DppResult d = DppTrainer.train(model, train, test, specs, null, cfg, o.seed(), ProgressListener.printing(log));
        double dpp = accuracy(net, model, specs, d.groupMasks(), test);
        List<LayerMetrics> metrics = specs.stream().map(s -> d.metrics().get(s.layer())).toList();
        rows.add(new Row(modelId, label, keep, "dpp", dpp, 0, specs, metrics, d.millisPerStep()));
        log.printf("%s: DPP %.2f%% (%.2f ms/step)%n", what, 100 * dpp, d.millisPerStep());
        return rows;
    }

    /** Methods of the variant rows (not in the JSON, whose methods are dpp, magnitude and random). */
    public static final String INT8 = "dpp-int8", JOINT = "dpp-joint";

    /** LeNet-300-100 DPP with 8-bit quantised weights (frozen), and DPP trained jointly with the weights. */
    private static List<Row> variants(Model model, Network net, Dataset train, Dataset test, TrainConfig cfg, Options o,
                                      PrintStream log) {
        List<Row> rows = new ArrayList<>();
        for (double keep : o.variantKeeps()) {
            List<MaskSpec> specs = MaskSpecs.weightLevel(ModelArch.LENET300.graph(), keep);
            String what = String.format(Locale.ROOT, "lenet300 weight keep %.0f%%", 100 * keep);
            TrainConfig q = cfg.withQuantBits(8);
            DppResult d = DppTrainer.train(model, train, test, specs, null, q, o.seed(), ProgressListener.printing(log));
            net.load(Pruning.apply(model, specs, d.groupMasks(), 8));
            double acc = net.evaluate(test).accuracy();
            rows.add(new Row(ModelArch.LENET300.id(), "weight", keep, INT8, acc, 0, specs, List.of(), d.millisPerStep()));
            log.printf("%s: DPP with 8-bit weights %.2f%%%n", what, 100 * acc);
            TrainConfig j = cfg.withJointWeights(TrainConfig.DEFAULTS.weightLr());
            d = DppTrainer.train(model, train, test, specs, null, j, o.seed(), ProgressListener.printing(log));
            net.load(Pruning.apply(d.weights(), specs, d.groupMasks(), 0));
            acc = net.evaluate(test).accuracy();
            rows.add(new Row(ModelArch.LENET300.id(), "weight", keep, JOINT, acc, 0, specs, List.of(), d.millisPerStep()));
            log.printf("%s: DPP joint with the weights %.2f%%%n", what, 100 * acc);
        }
        return rows;
    }

    private static List<String> rowsFor(ModelArch arch, Options o) {
        if (arch == ModelArch.LENET5) return o.lenet5Rows();
        return o.keeps().stream().map(k -> "weight:" + k).toList();
    }

    /** {granularity, keep} of a {@code granularity:keep} row. */
    static String[] parseRow(String r) {
        String[] p = r.split(":");
        if (p.length != 2) throw new IllegalArgumentException("--lenet5-rows: '" + r + "' is not granularity:keep");
        String g = p[0].trim().toLowerCase(Locale.ROOT);
        if (!g.equals("weight") && !g.equals("kernel") && !g.equals("filter"))
            throw new IllegalArgumentException("--lenet5-rows: granularity '" + p[0] + "' is not weight, kernel or filter");
        double k;
        try {
            k = Double.parseDouble(p[1].trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--lenet5-rows: keep '" + p[1] + "' is not a number");
        }
        if (!(k > 0 && k <= 1)) throw new IllegalArgumentException("--lenet5-rows: keep " + k + " not in (0, 1]");
        return new String[]{g, Double.toString(k)};
    }

    private static Map<String, float[]> masks(List<MaskSpec> specs, java.util.function.Function<MaskSpec, float[]> f) {
        Map<String, float[]> m = new LinkedHashMap<>();
        for (MaskSpec s : specs) m.put(s.layer(), f.apply(s));
        return m;
    }

    private static double accuracy(Network net, Model model, List<MaskSpec> specs, Map<String, float[]> masks, Dataset test) {
        net.load(Pruning.apply(model, specs, masks, 0));
        return net.evaluate(test).accuracy();
    }

    static String ks(List<MaskSpec> specs) {
        return String.join("/", specs.stream().map(s -> s.k() + (s.k() == s.n() ? "(all)" : "")).toList());
    }

    /** Mean wall time of a dense training step at batch 128 (forward, backward, Adam): 100 steps after 50 warm-up. */
    static double denseStepMillis(Model model, Dataset train, long seed) {
        int b = 128;
        DenseConfig one = new DenseConfig(1, b, 1e-4, false);
        DenseTrainer.train(model, train.head(b * 50), null, one, seed, ProgressListener.NONE);
        Dataset part = train.head(b * 100);
        long s = System.nanoTime();
        DenseTrainer.train(model, part, null, one, seed, ProgressListener.NONE);
        return (System.nanoTime() - s) / 1e6 / ((part.n() + b - 1) / b);
    }

    static double mean(double[] a) {
        double s = 0;
        for (double x : a) s += x;
        return s / a.length;
    }

    static double sd(double[] a) {
        double m = mean(a), s = 0;
        for (double x : a) s += (x - m) * (x - m);
        return Math.sqrt(s / a.length);
    }
}
