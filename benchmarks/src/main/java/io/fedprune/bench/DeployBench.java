package io.fedprune.bench;

import io.fedprune.data.Dataset;
import io.fedprune.data.ImageData;
import io.fedprune.model.Graph;
import io.fedprune.model.Preprocessing;
import io.fedprune.onnx.OnnxImport;
import io.fedprune.model.Network;
import io.fedprune.onnx.OnnxExport;
import io.fedprune.runtime.CompactNetwork;
import io.fedprune.runtime.KeptColumns;
import io.fedprune.runtime.Op;
import io.fedprune.runtime.TierCompiler;
import io.fedprune.runtime.TierFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code ./fedprune bench deploy}: what a tier gains on a device. For every tier artifact given (or every
 * {@code *.safetensors} of a directory, e.g. a demo's {@code artifacts/} or a coordinator's {@code jobs/<job>/}; of a
 * built-in model, or of the imported model {@code --model} names), at
 * each batch size: the time of one inference of the dense model as the agent ran it before (the ND4J training network,
 * forward and loss), of the dense and the masked dense model in the compact runtime's own dense kernels, and of the
 * compact runtime (float32 and int8 values), and of ONNX Runtime (one intra-op thread) on the dense model's ONNX
 * export and on the tier's export (FILTER layers physically smaller, k-of-n layers masked); the file sizes, the
 * parameter bytes of every form against the dense float32 bytes, and the bytes one inference allocates on the Java
 * heap (activations and scratch; ONNX Runtime and ND4J allocate natively, not counted). All forms run interleaved in every
 * repetition (the order rotating), so that load from other processes hits them alike; figures are medians over the
 * repetitions, ratios against the dense model of the same run. Before timing, the compact runtime's class scores are
 * compared with the masked dense model's on the first test images. The compact runtime's one-sample time depends on the
 * inputs (layers stored by column skip the inputs at their base value, see {@link KeptColumns}), so the inputs are real
 * test images when {@code --data} has them, and each tier states the share of skipped inputs and multiply-adds.
 *
 * <p>The dense model's time does not depend on its values, so the tier's own weights stand in for it with the masks
 * ignored.
 */
@Command(name = "deploy", mixinStandardHelpOptions = true, version = io.fedprune.Version.LINE,
        description = "Latency, size and memory of every tier against the dense model, side by side in one run.")
public final class DeployBench implements Callable<Integer> {

    @Parameters(paramLabel = "ARTIFACT", arity = "0..*", description = "Tier artifacts (.safetensors) or directories of them (default: work/demo/artifacts).")
    List<Path> artifacts = new ArrayList<>();

    @Option(names = "--data", paramLabel = "DIR", description = "Images for the inputs, any layout the demo takes, preprocessed as each tier's model declares (default: ${DEFAULT-VALUE}; random inputs if absent).")
    Path data = Path.of("data/mnist");

    @Option(names = "--model", paramLabel = "PATH.onnx", description = "The imported model the artifacts are tiers of (default: the built-in model each artifact names).")
    Path model;

    @Option(names = "--batches", split = ",", description = "Batch sizes (default: 1,32).")
    int[] batches = {1, 32};

    @Option(names = "--reps", description = "Timed repetitions per form and batch (default: ${DEFAULT-VALUE}).")
    int reps = 21;

    @Option(names = "--warmup", description = "Untimed repetitions first (default: ${DEFAULT-VALUE}).")
    int warmup = 5;

    @Option(names = "--calls", description = "Samples per timed block, divided by the batch size (default: ${DEFAULT-VALUE}).")
    int calls = 256;

    /** One way of running the tier. */
    interface Form {
        void run(float[] x, int offset, int batch);
    }

    record Variant(String name, Form form, long parameterBytes) {
    }

    public static void main(String[] args) {
        System.exit(io.fedprune.Cli.execute(new DeployBench(), args));
    }

    @Override
    public Integer call() throws Exception {
        List<Path> files = files(artifacts.isEmpty() ? List.of(Path.of("work/demo/artifacts")) : artifacts);
        if (files.isEmpty()) throw new CommandLine.ParameterException(new CommandLine(this), "no .safetensors artifacts found");
        Dataset test = inputs();
        Graph graph = model == null ? null : OnnxImport.load(model).graph();
        System.out.printf(Locale.ROOT, "inputs: %s; %d warm-up + %d timed repetitions, %d samples per block, forms interleaved. The compact "
                        + "runtime's time at one sample depends on its inputs: its layers stored by column skip the inputs at their base value "
                        + "(an image's background after normalisation, ReLU's zeros), so its speed-up needs inputs and activations that are "
                        + "mostly at it (the shares are given per tier; random inputs have none)%n",
                test == null ? "random" : test.n() + " test images of " + shown(data), warmup, reps, calls);
        for (Path f : files) bench(f, graph, test);
        return 0;
    }

    private void bench(Path file, Graph graph, Dataset raw) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        TierFile tier = TierFile.read(bytes, Map.of(), graph);
        int in = tier.graph().inputSize();
        float[] x;
        int[] y;
        if (raw != null) {
            Preprocessing p = tier.graph().preprocessing();
            Dataset test = raw.normalized(p.scale(), p.mean(), p.std());
            x = test.x();
            y = test.y();
        } else {
            Random r = new Random(1);
            x = new float[512 * in];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            y = new int[512];
        }
        int samples = x.length / in;
        long denseBytes = 4L * tier.graph().parameterCount();
        CompactNetwork dense = TierCompiler.compile(tier.model(), tier.masks(), TierCompiler.Form.DENSE);
        CompactNetwork masked = tier.compile(TierCompiler.Form.MASKED_DENSE);
        CompactNetwork compact = tier.compile(TierCompiler.Form.COMPACT);
        CompactNetwork int8 = tier.compile(TierCompiler.Form.COMPACT_INT8);
        Network nd4j = Network.of(tier.model());
        byte[] denseOnnx = OnnxExport.dense(tier.model()), tierOnnx = OnnxExport.tier(tier.model(), tier.masks(), Map.of());
        int[] shape = tier.graph().inputShape();
        try (Ort ortDense = new Ort(denseOnnx, shape, true); Ort ortTier = new Ort(tierOnnx, shape, true);
             Ort ortDensePlain = new Ort(denseOnnx, shape, false); Ort ortTierPlain = new Ort(tierOnnx, shape, false)) {
            int check = Math.min(samples, 200);
            float[] reference = masked.forward(x, 0, check);
            System.out.printf(Locale.ROOT, "%n### %s (%s, keep %s, %s)%n%n", tier.tier(), tier.graph().id(), tier.keep(), granularities(tier));
            System.out.printf(Locale.ROOT, "files: artifact %s %,d bytes; ONNX dense %,d bytes, tier %,d bytes (%.3f). Dense float32 parameters "
                            + "%,d bytes. Class scores against the masked dense model on %d inputs: compact max |diff| %.1e, ONNX Runtime tier %.1e%n%n",
                    file.getFileName(), bytes.length, denseOnnx.length, tierOnnx.length, (double) tierOnnx.length / denseOnnx.length, denseBytes,
                    check, maxDiff(compact.forward(x, 0, check), reference), maxDiff(ortTier.run(x, 0, check), reference));
            List<Variant> variants = List.of(
                    new Variant("dense (ND4J network)", (xs, o, b) -> nd4j.run(xs, y, o, b, false), denseBytes),
                    new Variant("dense (runtime)", dense::forward, dense.parameterBytes()),
                    new Variant("masked dense (runtime)", masked::forward, masked.parameterBytes()),
                    new Variant("compact float32", compact::forward, compact.parameterBytes()),
                    new Variant("compact int8", int8::forward, int8.parameterBytes()),
                    new Variant("ONNX Runtime, dense export", ortDense::run, ortDense.parameterBytes()),
                    new Variant("ONNX Runtime, tier export", ortTier::run, ortTier.parameterBytes()),
                    new Variant("ONNX Runtime without NCHWc layout, dense export", ortDensePlain::run, ortDensePlain.parameterBytes()),
                    new Variant("ONNX Runtime without NCHWc layout, tier export", ortTierPlain::run, ortTierPlain.parameterBytes()));
            System.out.printf(Locale.ROOT, "compact runtime at one sample, layers stored by column (they skip the inputs at their base value), over the first %d inputs: %s%n%n",
                    Math.min(samples, 1000), baseShares(compact, x, Math.min(samples, 1000)));
            table(variants, denseBytes, x, samples);
        }
    }

    private void table(List<Variant> variants, long denseBytes, float[] x, int samples) {
        System.out.println("| form | parameter bytes | vs dense | " + String.join(" | ", Arrays.stream(batches)
                .mapToObj(b -> "batch " + b + ": us per call | vs dense | heap bytes per call").toList()) + " |");
        System.out.println("|---|---:|---:|" + "---:|---:|---:|".repeat(batches.length));
        Map<String, StringBuilder> rows = new LinkedHashMap<>();
        for (Variant v : variants)
            rows.put(v.name(), new StringBuilder(String.format(Locale.ROOT, "| %s | %,d | %.3f |", v.name(), v.parameterBytes(),
                    (double) v.parameterBytes() / denseBytes)));
        for (int batch : batches) {
            double[] medians = time(variants, x, samples, batch);
            for (int i = 0; i < variants.size(); i++) {
                long alloc = allocated(variants.get(i), x, batch);
                rows.get(variants.get(i).name()).append(String.format(Locale.ROOT, " %.1f | %.3f | %,d |", medians[i], medians[i] / medians[0], alloc));
            }
        }
        rows.values().forEach(System.out::println);
    }

    /**
     * An ONNX Runtime session on one thread over an exported model, with every graph optimisation (constant folding,
     * fusions and, with {@code layout}, the NCHWc blocked layout of its CPU convolution kernels) or without the layout
     * ({@code EXTENDED_OPT}: the same fusions and folding, plain NCHW kernels).
     */
    static final class Ort implements AutoCloseable {
        private final ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
        private final ai.onnxruntime.OrtSession session;
        private final int[] shape;
        private final long parameterBytes;

        Ort(byte[] onnx, int[] shape, boolean layout) {
            this.shape = shape;
            try {
                var options = new ai.onnxruntime.OrtSession.SessionOptions();
                options.setIntraOpNumThreads(1);
                options.setInterOpNumThreads(1);
                options.setOptimizationLevel(layout ? ai.onnxruntime.OrtSession.SessionOptions.OptLevel.ALL_OPT
                        : ai.onnxruntime.OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
                session = env.createSession(onnx, options);
                long n = 0;
                for (var t : io.fedprune.onnx.proto.ModelProto.parseFrom(onnx).getGraph().getInitializerList()) n += t.getRawData().size();
                parameterBytes = n;
            } catch (Exception e) {
                throw new IllegalStateException("ONNX Runtime refused the export: " + e.getMessage(), e);
            }
        }

        long parameterBytes() {
            return parameterBytes;
        }

        float[] run(float[] x, int offset, int batch) {
            int in = 1;
            for (int d : shape) in *= d;
            long[] dims = new long[shape.length + 1];
            dims[0] = batch;
            for (int i = 0; i < shape.length; i++) dims[i + 1] = shape[i];
            try (var t = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap(x, offset * in, batch * in).slice(), dims);
                 var r = session.run(Map.of("input", t))) {
                float[][] out = (float[][]) r.get(0).getValue();
                float[] flat = new float[out.length * out[0].length];
                for (int i = 0; i < out.length; i++) System.arraycopy(out[i], 0, flat, i * out[0].length, out[0].length);
                return flat;
            } catch (ai.onnxruntime.OrtException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() throws Exception {
            session.close();
        }
    }

    /** Median microseconds per call of every variant, the variants interleaved in each repetition. */
    private double[] time(List<Variant> variants, float[] x, int samples, int batch) {
        int n = variants.size(), perBlock = Math.max(1, calls / batch);
        double[][] t = new double[n][reps];
        int offset = 0;
        for (int rep = -warmup; rep < reps; rep++) {
            for (int j = 0; j < n; j++) {
                int v = (j + Math.max(rep, 0)) % n;
                long t0 = System.nanoTime();
                for (int c = 0; c < perBlock; c++) {
                    variants.get(v).form().run(x, offset, batch);
                    offset = offset + batch + batch > samples ? 0 : offset + batch;
                }
                if (rep >= 0) t[v][rep] = (System.nanoTime() - t0) / 1e3 / perBlock;
            }
        }
        double[] med = new double[n];
        for (int v = 0; v < n; v++) {
            Arrays.sort(t[v]);
            med[v] = t[v][reps / 2];
        }
        return med;
    }

    /** Heap bytes one call allocates on this thread (the activations and scratch of an inference; 0 if not measurable). */
    private static long allocated(Variant v, float[] x, int batch) {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx)) return 0;
        long id = Thread.currentThread().getId();
        v.form().run(x, 0, batch);
        long a0 = mx.getThreadAllocatedBytes(id);
        v.form().run(x, 0, batch);
        return mx.getThreadAllocatedBytes(id) - a0;
    }

    /**
     * Per {@link KeptColumns} layer of the compact network: the share of its inputs at their base value
     * ({@link KeptColumns#base}, the inputs its one-sample product skips) and the share of its kept multiply-adds skipped
     * with them, over the first {@code n} samples of {@code x}.
     */
    static String baseShares(CompactNetwork net, float[] x, int n) {
        List<String> out = new ArrayList<>();
        List<CompactNetwork.Node> nodes = net.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            if (!(nodes.get(i) instanceof CompactNetwork.Apply a) || !(a.op() instanceof Op.Linear l)
                    || !(l.weights() instanceof KeptColumns k)) continue;
            int cols = k.cols(), v = a.input();
            float[] in = v == 0 ? x : new CompactNetwork(net.input(), nodes.subList(0, v), v).forward(x, 0, n);
            long atBase = 0, skipped = 0, nonZeroBase = 0;
            for (int s = 0; s < n; s++) {
                float c = KeptColumns.base(in, s * cols, cols);
                if (c != 0) nonZeroBase++;
                for (int j = 0; j < cols; j++)
                    if (in[s * cols + j] == c) {
                        atBase++;
                        skipped += k.kept(j);
                    }
            }
            long all = k.storedValues();
            out.add(String.format(Locale.ROOT, "%s %.1f%% of inputs at the base value (a non-zero base in %.0f%% of samples), %.1f%% of its kept multiply-adds skipped",
                    l.name(), 100.0 * atBase / ((long) n * cols), 100.0 * nonZeroBase / n, 100.0 * skipped / ((double) n * all)));
        }
        return out.isEmpty() ? "none" : String.join("; ", out);
    }

    private static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    private static String granularities(TierFile t) {
        StringBuilder b = new StringBuilder();
        t.masks().forEach((l, m) -> b.append(b.length() == 0 ? "" : ", ").append(l).append(' ').append(m.spec().granularity())
                .append(" k=").append(m.spec().k()).append('/').append(m.spec().n()));
        return b.toString();
    }

    /** The raw test images, or null if there are none. */
    private Dataset inputs() throws IOException {
        if (!Files.isDirectory(data)) return null;
        return ImageData.load(data).test();
    }

    private static List<Path> files(List<Path> given) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : given) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> f.toString().endsWith(".safetensors")).sorted().forEach(out::add);
                }
            } else out.add(p);
        }
        return out;
    }

    /** The folder as the section shows it: relative to the working directory when inside it (no machine's absolute path). */
    static Path shown(Path dir) {
        Path here = Path.of("").toAbsolutePath(), abs = dir.toAbsolutePath().normalize();
        return abs.startsWith(here) ? here.relativize(abs) : dir;
    }
}
