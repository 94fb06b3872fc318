package io.fedprune.bench;

import io.fedprune.data.Dataset;
import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.model.DenseConfig;
import io.fedprune.model.DenseTrainer;
import io.fedprune.model.DppResult;
import io.fedprune.model.DppTrainer;
import io.fedprune.model.Graph;
import io.fedprune.model.MaskSpecs;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.model.ProgressListener;
import io.fedprune.model.TrainConfig;
import io.fedprune.onnx.OnnxImport;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Times a training step of any model (an ONNX file or a built-in): dense (DenseTrainer: forward, backward, Adam on
 * every parameter) against DPP with frozen weights (DppTrainer: Gumbel top-k masks of every Conv and Gemm layer,
 * forward and backward on the masked weights, relaxed top-k backward and Adam on the logits), by running one epoch of
 * each on random data (20 steps of batch 128), alternating, and dividing the loop time by the steps. Prints medians and the DPP/dense ratio.
 *
 * <pre>
 * ./mvnw -q -B -pl benchmarks -am package -DskipTests
 * OMP_NUM_THREADS=1 java --add-modules jdk.incubator.vector -cp "benchmarks/target/classes:benchmarks/target/lib/*" \
 *     io.fedprune.bench.GraphStepBench shared/src/test/resources/onnx/vgg_bn.onnx [keep=0.1] [granularity=KERNEL] [rounds=5]
 * </pre>
 */
public final class GraphStepBench {

    private static final int STEPS = 20;

    public static void main(String[] args) throws Exception {
        String model = args.length > 0 ? args[0] : "lenet5";
        double keep = args.length > 1 ? Double.parseDouble(args[1]) : 0.1;
        Granularity conv = args.length > 2 ? Granularity.valueOf(args[2]) : Granularity.KERNEL;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        Model m = model.endsWith(".onnx") ? OnnxImport.load(Path.of(model)) : Model.init(ModelArch.parse(model).graph(), 1);
        Graph g = m.graph();
        int batch = 128, n = STEPS * batch;
        Random r = new Random(1);
        float[] x = new float[n * g.inputSize()];
        int[] y = new int[n];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < n; i++) y[i] = r.nextInt(g.classes());
        int[] in = g.inputShape();
        Dataset data = in.length == 3 ? new Dataset(x, y, n, in[0], in[1], in[2], g.classes()) : new Dataset(x, y, n, 1, 1, in[0], g.classes());
        List<MaskSpec> specs = MaskSpecs.of(g, conv, Granularity.WEIGHT, keep, MaskSpecs.OUTPUT_MIN_KEEP);
        TrainConfig dppCfg = TrainConfig.DEFAULTS.withEpochs(1).withEvaluate(false);
        DenseConfig denseCfg = DenseConfig.DEFAULTS.withEpochs(1);
        List<Double> dense = new ArrayList<>(), dpp = new ArrayList<>();
        for (int i = -1; i < rounds; i++) {               // round -1 warms up
            long[] elapsed = new long[1];
            DenseTrainer.train(m, data, null, denseCfg, i, p -> elapsed[0] = p.elapsedMillis());
            double d = elapsed[0] / (double) STEPS;
            DppResult res = DppTrainer.train(m, data, specs, null, dppCfg, i, ProgressListener.NONE);
            if (i >= 0) {
                dense.add(d);
                dpp.add(res.millisPerStep());
            }
        }
        double md = median(dense), mp = median(dpp);
        System.out.printf(Locale.ROOT, "%s (%d parameters, layers %s), batch %d, keep %.2f, conv %s: dense step %.2f ms, DPP step %.2f ms, "
                + "DPP/dense %.2f (medians of %d)%n", g.id(), g.parameterCount(), g.layerNames(), batch, keep, conv, md, mp, mp / md, rounds);
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
