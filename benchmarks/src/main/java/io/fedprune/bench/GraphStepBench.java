package io.fedprune.bench;

import io.fedprune.dpp.DppConfig;
import io.fedprune.dpp.DppLayer;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.dpp.TemperatureSchedule;
import io.fedprune.model.DppTrainer;
import io.fedprune.model.Graph;
import io.fedprune.model.Layer;
import io.fedprune.model.MaskSpecs;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.model.Network;
import io.fedprune.dpp.Logits;
import io.fedprune.onnx.OnnxImport;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static io.fedprune.bench.Interleaved.f;

/**
 * Times one training step of any model (a built-in or an ONNX file) on the engine devices train with
 * ({@link Network}): dense = forward, backward and SGD on every weight and bias (plain Java loops); DPP = what
 * {@link DppTrainer} does per step with weights frozen: every prunable layer's {@link DppLayer#forward} (Gumbel top-k
 * mask, effective weights set into the network), the same forward and backward, every layer's
 * {@link DppLayer#backward} (relaxed top-k gradient and Adam on the logits). The default layer plan
 * ({@link MaskSpecs#of(Graph, io.fedprune.dpp.Granularity, double)} with null: KERNEL for hidden Conv, WEIGHT for
 * Gemm/MatMul, the output layer at least 25%), random inputs and labels. Dense and DPP steps alternate
 * ({@link DppStepBench#timeInterleaved}); medians of wall and CPU time of the calling thread.
 *
 * <pre>
 * ./mvnw -q -B -pl benchmarks -am package -DskipTests
 * OMP_NUM_THREADS=1 java --add-modules jdk.incubator.vector -cp "benchmarks/target/classes:benchmarks/target/lib/*" \
 *     io.fedprune.bench.GraphStepBench models/mnist-cnn.onnx [batch=128] [keep=0.1] [steps=30] [warmup=15]
 * </pre>
 */
public final class GraphStepBench {
    static final float SGD_LR = 0.01f;

    final Network net;
    final Graph graph;
    final List<Layer> layers;
    final float[][] w, b, gw, gb;
    final float[] x;
    final int[] y;
    final int batch;

    GraphStepBench(Model model, int batch) {
        this.graph = model.graph();
        this.net = Network.of(model);
        this.layers = graph.layers();
        this.batch = batch;
        int L = layers.size();
        w = new float[L][];
        b = new float[L][];
        gw = new float[L][];
        gb = new float[L][];
        for (int i = 0; i < L; i++) {
            Layer l = layers.get(i);
            w[i] = model.weight(l.name()).clone();
            b[i] = model.bias(l.name()).clone();
            gw[i] = new float[w[i].length];
            gb[i] = new float[b[i].length];
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

    void denseStep() {
        net.run(x, y, 0, batch, true);
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            net.gradient(l.weightName(), gw[i]);
            net.gradient(l.biasName(), gb[i]);
            sgd(w[i], gw[i]);
            sgd(b[i], gb[i]);
            net.setParam(l.weightName(), w[i]);
            net.setParam(l.biasName(), b[i]);
        }
    }

    private static void sgd(float[] p, float[] g) {
        for (int i = 0; i < p.length; i++) p[i] -= SGD_LR * g[i];
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
                wf[i] = w[layers.indexOf(graph.layer(s.layer()))].clone();
                layer[i] = new DppLayer(s, Logits.fromWeights(wf[i], s), cfg, DppTrainer.layerSeed(1, i));
                weff[i] = new float[wf[i].length];
                grad[i] = new float[wf[i].length];
            }
        }

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

        String ks() {
            StringBuilder sb = new StringBuilder();
            for (MaskSpec s : specs) sb.append(sb.length() > 0 ? ", " : "").append(s.k()).append("/").append(s.n());
            return sb.toString();
        }
    }

    /** {median dense ms, median DPP ms, median dense CPU ms, median DPP CPU ms}; the dense and the DPP step use separate networks. */
    static double[] measure(Model model, int batch, double keep, int warm, int steps) {
        GraphStepBench dense = new GraphStepBench(model, batch), bm = new GraphStepBench(model, batch);
        Dpp d = bm.new Dpp(keep, DppConfig.defaults());
        d.total = warm + steps;
        double[][] t = DppStepBench.timeInterleaved(dense::denseStep, d::step, warm, steps);
        return new double[]{Interleaved.median(t[0]), Interleaved.median(t[1]), Interleaved.median(t[2]), Interleaved.median(t[3])};
    }

    /** The table of one model for the suite: batch x keep, ratio by wall and CPU time. */
    static String table(String modelName, int[] batches, double[] keeps, int warm, int steps) throws Exception {
        Model model = load(modelName);
        Graph g = model.graph();
        Interleaved.Table t = new Interleaved.Table("batch", "keep", "k/n per layer", "dense ms", "DPP ms", "DPP / dense", "CPU DPP / dense");
        for (int batch : batches) {
            for (double keep : keeps) {
                double[] m = measure(model, batch, keep, warm, steps);
                String ks = new GraphStepBench(model, 1).new Dpp(keep, DppConfig.defaults()).ks();
                t.row(batch, f("%.0f%%", keep * 100), ks, f("%.2f", m[0]), f("%.2f", m[1]), f("**%.2f**", m[1] / m[0]), f("%.2f", m[3] / m[2]));
            }
        }
        return f("%s (`%s`, %,d parameters, layers %s):%n%n%s", g.id(), modelName, g.parameterCount(), String.join(", ", g.layerNames()), t);
    }

    public static void main(String[] args) throws Exception {
        String model = args.length > 0 ? args[0] : "lenet5";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        double keep = args.length > 2 ? Double.parseDouble(args[2]) : 0.1;
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 30, warm = args.length > 4 ? Integer.parseInt(args[4]) : 15;
        System.out.print(table(model, new int[]{batch}, new double[]{keep}, warm, steps));
    }
}
