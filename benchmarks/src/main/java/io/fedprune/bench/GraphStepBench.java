package io.fedprune.bench;

import io.fedprune.dpp.DppConfig;
import io.fedprune.dpp.DppLayer;
import io.fedprune.dpp.Logits;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.dpp.TemperatureSchedule;
import io.fedprune.model.Adam;
import io.fedprune.model.DenseTrainer;
import io.fedprune.model.DppTrainer;
import io.fedprune.model.Graph;
import io.fedprune.model.Layer;
import io.fedprune.model.MaskSpecs;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.model.Network;
import io.fedprune.onnx.OnnxImport;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.fedprune.bench.Interleaved.f;

/**
 * Times one training step of any model (a built-in or an ONNX file) on the engine devices train with
 * ({@link Network}): dense = what {@link DenseTrainer} does per step (forward and backward, then for every weight and
 * bias its gradient, an Adam step and the parameter set back into the network); DPP = what {@link DppTrainer} does
 * per step with weights frozen: every prunable layer's {@link DppLayer#forward} (Gumbel top-k mask, effective weights
 * set into the network), the same forward and backward, every layer's {@link DppLayer#backward} (relaxed top-k
 * gradient and Adam on the logits), the temperature annealed over the run as in training. The default layer plan
 * ({@link MaskSpecs#of(Graph, io.fedprune.dpp.Granularity, double)} with null: KERNEL for hidden Conv, WEIGHT for
 * Gemm/MatMul, the output layer at least 25%), random inputs and labels. Dense and DPP steps alternate
 * ({@link #timeInterleaved}), so that load from other processes hits both alike; medians of wall and CPU time of the
 * calling thread (which excludes time the thread was preempted: on a loaded machine it estimates the quiet-machine
 * wall time of the 1-thread variant; with 2 threads it counts the caller's half of the rows plus the hand-off).
 *
 * <pre>
 * ./mvnw -q -B -pl benchmarks -am package -DskipTests
 * OMP_NUM_THREADS=1 java --add-modules jdk.incubator.vector -cp "benchmarks/target/classes:benchmarks/target/lib/*" \
 *     io.fedprune.bench.GraphStepBench lenet300 [batch=128] [keep=0.1] [steps=30] [warmup=15]
 * </pre>
 */
public final class GraphStepBench {
    static final double LR = 1e-3;

    final Network net;
    final Graph graph;
    final List<Layer> layers;
    final List<String> names;
    final float[][] params, grads;
    final Adam[] adam;
    final float[] x;
    final int[] y;
    final int batch;

    GraphStepBench(Model model, int batch) {
        this.graph = model.graph();
        this.net = Network.of(model);
        this.layers = graph.layers();
        this.names = graph.parameterNames();
        this.batch = batch;
        int n = names.size();
        params = new float[n][];
        grads = new float[n][];
        adam = new Adam[n];
        for (int i = 0; i < n; i++) {
            params[i] = model.param(names.get(i)).clone();
            grads[i] = new float[params[i].length];
            adam[i] = new Adam(params[i].length);
        }
        Random r = new Random(1);
        x = new float[batch * graph.inputSize()];
        y = new int[batch];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < batch; i++) y[i] = r.nextInt(graph.classes());
    }

    static Model load(String model) throws Exception {
        return model.endsWith(".onnx") ? OnnxImport.load(Path.of(model)) : Model.init(ModelArch.parse(model).graph(), 1);
    }

    /** {@link DenseTrainer}'s step. */
    void denseStep() {
        net.run(x, y, 0, batch, true);
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            net.gradient(name, grads[i]);
            adam[i].step(params[i], grads[i], LR);
            net.setParam(name, params[i]);
        }
    }

    /** The DPP step's state: one DppLayer per spec, the frozen weights, effective weights and their gradients. */
    final class Dpp {
        final List<MaskSpec> specs;
        final DppLayer[] layer;
        final float[][] wf, weff, grad;
        final TemperatureSchedule schedule = TemperatureSchedule.defaults();
        long step, total = 1;

        Dpp(double keep, DppConfig cfg) {
            specs = MaskSpecs.of(graph, null, keep);
            int L = specs.size();
            layer = new DppLayer[L];
            wf = new float[L][];
            weff = new float[L][];
            grad = new float[L][];
            for (int i = 0; i < L; i++) {
                MaskSpec s = specs.get(i);
                wf[i] = params[names.indexOf(graph.layer(s.layer()).weightName())].clone();
                layer[i] = new DppLayer(s, Logits.fromWeights(wf[i], s), cfg, DppTrainer.layerSeed(1, i));
                weff[i] = new float[wf[i].length];
                grad[i] = new float[wf[i].length];
            }
        }

        /** {@link DppTrainer}'s step with weights frozen. */
        void step() {
            float t = schedule.at(step++, total);
            for (int i = 0; i < layer.length; i++) {
                layer[i].forward(wf[i], weff[i], t);
                net.setParam(specs.get(i).layer() + ".weight", weff[i]);
            }
            net.run(x, y, 0, batch, true);
            for (int i = 0; i < layer.length; i++) {
                net.gradient(specs.get(i).layer() + ".weight", grad[i]);
                layer[i].backward(wf[i], grad[i], t);
            }
        }

        /** k/n of every layer. */
        String ks() {
            StringBuilder sb = new StringBuilder();
            for (MaskSpec s : specs) sb.append(sb.length() > 0 ? ", " : "").append(s.k()).append("/").append(s.n());
            return sb.toString();
        }

        /** The relaxation of every layer: exact, limit, or - where the layer keeps everything. */
        String relaxation() {
            StringBuilder sb = new StringBuilder();
            for (DppLayer l : layer)
                sb.append(sb.length() > 0 ? "/" : "").append(l.spec().k() >= l.spec().n() ? "-" : l.exactRelaxation() ? "exact" : "limit");
            return sb.toString();
        }
    }

    /**
     * Alternates a dense and a DPP step, after at least {@code warm} pairs and until the JIT is done ({@link Forked#warmUp});
     * returns their wall times and the calling thread's CPU times (ms):
     * {wall dense, wall DPP, cpu dense, cpu DPP}.
     */
    static double[][] timeInterleaved(Runnable dense, Runnable dpp, int warm, int steps) {
        Forked.warmUp(() -> {
            dense.run();
            dpp.run();
        }, warm);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double[][] t = new double[4][steps];
        for (int i = 0; i < steps; i++) {
            long ca = mx.getCurrentThreadCpuTime(), a = System.nanoTime();
            dense.run();
            long cb = mx.getCurrentThreadCpuTime(), b = System.nanoTime();
            dpp.run();
            long cc = mx.getCurrentThreadCpuTime(), c = System.nanoTime();
            t[0][i] = (b - a) / 1e6;
            t[1][i] = (c - b) / 1e6;
            t[2][i] = (cb - ca) / 1e6;
            t[3][i] = (cc - cb) / 1e6;
        }
        return t;
    }

    /**
     * {median dense ms, median DPP ms, median dense CPU ms, median DPP CPU ms}; the dense and the DPP step use
     * separate networks.
     */
    static double[] measure(Model model, int batch, double keep, DppConfig cfg, int warm, int steps) {
        GraphStepBench dense = new GraphStepBench(model, batch), bm = new GraphStepBench(model, batch);
        Dpp d = bm.new Dpp(keep, cfg);
        d.total = warm + steps;
        double[][] t = timeInterleaved(dense::denseStep, d::step, warm, steps);
        return new double[]{Interleaved.median(t[0]), Interleaved.median(t[1]), Interleaved.median(t[2]), Interleaved.median(t[3])};
    }

    /**
     * {@link #measure} in a JVM of its own ({@link Forked}): the JIT compiles the two steps for this model, batch, keep
     * and thread count alone, and the dense step does not profit from code warmed by the other cells either. A device
     * trains at one budget per process, as a fork does.
     */
    static double[] measureForked(String model, int batch, double keep, int threads, int warm, int steps) throws Exception {
        return Forked.run(GraphStepBench.class, List.of("--cell", model, String.valueOf(batch), String.valueOf(keep),
                String.valueOf(threads), String.valueOf(warm), String.valueOf(steps)));
    }

    /**
     * The table of one model for the suite: batch x keep, ratio by wall and CPU time; with {@code twoThreads} also the
     * DPP step with the per-row work on 2 threads. Every cell, and its 2-thread variant, is measured in a fork of its own
     * ({@link #measureForked}).
     */
    static String table(String modelName, int[] batches, double[] keeps, int warm, int steps, boolean twoThreads) throws Exception {
        Model model = load(modelName);
        Graph g = model.graph();
        Interleaved.Table t = twoThreads
                ? new Interleaved.Table("batch", "keep", "k/n per layer", "relaxation", "dense ms", "DPP ms", "DPP / dense", "CPU DPP / dense",
                "DPP ms, 2 threads", "DPP / dense, 2 threads", "CPU (caller) DPP / dense, 2 threads")
                : new Interleaved.Table("batch", "keep", "k/n per layer", "relaxation", "dense ms", "DPP ms", "DPP / dense", "CPU DPP / dense");
        for (int batch : batches) {
            for (double keep : keeps) {
                double[] m = measureForked(modelName, batch, keep, 1, warm, steps);
                Dpp d = new GraphStepBench(model, 1).new Dpp(keep, DppConfig.defaults());
                List<Object> cells = new ArrayList<>(List.of(batch, f("%.0f%%", keep * 100), d.ks(), d.relaxation(),
                        f("%.2f", m[0]), f("%.2f", m[1]), f("**%.2f**", m[1] / m[0]), f("%.2f", m[3] / m[2])));
                if (twoThreads) {
                    double[] two = measureForked(modelName, batch, keep, 2, warm, steps);
                    cells.addAll(List.of(f("%.2f", two[1]), f("%.2f", two[1] / two[0]), f("%.2f", two[3] / two[2])));
                }
                t.row(cells.toArray());
            }
        }
        return f("%s (`%s`, %,d parameters, layers %s):%n%n%s", g.id(), modelName, g.parameterCount(), String.join(", ", g.layerNames()), t);
    }

    /**
     * {@code GraphStepBench MODEL [batch] [keep] [steps] [warmup]}: that cell's table row (measured in a fork);
     * {@code GraphStepBench --cell MODEL BATCH KEEP THREADS WARMUP STEPS}: one cell measured in this JVM, its medians printed
     * for {@link Forked#run} (what a fork runs).
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 7 && args[0].equals("--cell")) {
            int threads = Integer.parseInt(args[4]);
            DppConfig cfg = threads == 1 ? DppConfig.defaults() : DppConfig.defaults().withThreads(threads);
            double[] m = measure(load(args[1]), Integer.parseInt(args[2]), Double.parseDouble(args[3]), cfg, Integer.parseInt(args[5]), Integer.parseInt(args[6]));
            Forked.print(m);
            return;
        }
        String model = args.length > 0 ? args[0] : "lenet5";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        double keep = args.length > 2 ? Double.parseDouble(args[2]) : 0.1;
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 30, warm = args.length > 4 ? Integer.parseInt(args[4]) : 15;
        System.out.print(table(model, new int[]{batch}, new double[]{keep}, warm, steps, false));
    }
}
