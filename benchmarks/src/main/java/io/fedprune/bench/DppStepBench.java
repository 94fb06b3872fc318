package io.fedprune.bench;

import io.fedprune.dpp.DppConfig;
import io.fedprune.dpp.DppLayer;
import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.Logits;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.dpp.TemperatureSchedule;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Times one LeNet-300-100 training step: dense (forward, backward, SGD on W and b) against DPP with frozen weights
 * (per layer {@link DppLayer#forward}, the same ND4J forward/backward on the masked weights, {@link DppLayer#backward}
 * with Adam on the logits, temperature annealed 5 -> 0.5 over the run as in training), at keep 2, 5, 10, 25% (output
 * layer max(keep, 25%)) and batch 128 and 512. Dense and DPP steps alternate, so that load from other processes on a
 * shared machine hits both alike. Prints the median step times and their ratio, by wall clock and by the CPU time of
 * the calling thread (which excludes time the thread was preempted: on a loaded machine it estimates the quiet-machine
 * wall time of the 1-thread variant; with 2 threads it counts the caller's half of the rows, the critical path when
 * the halves are balanced, plus the hand-off). The matrix products run in ND4J (run with {@code OMP_NUM_THREADS=1}); W, the
 * logits and the optimiser state live in Java arrays and move to and from ND4J buffers with one memcpy per layer.
 *
 * <pre>
 * ./mvnw -q -B -pl benchmarks -am package -DskipTests
 * OMP_NUM_THREADS=1 java --add-modules jdk.incubator.vector -cp "benchmarks/target/classes:benchmarks/target/lib/*" \
 *     io.fedprune.bench.DppStepBench [steps=200] [warmup=60] [batches=128,512]
 * </pre>
 */
public final class DppStepBench {
    static final int[] DIM = {784, 300, 100, 10};
    static final int L = 3;
    static final float SGD_LR = 0.01f;
    static final TemperatureSchedule SCHEDULE = TemperatureSchedule.defaults();

    final int batch;
    final INDArray x, y;
    final INDArray[] w = new INDArray[L], b = new INDArray[L], weff = new INDArray[L], dW = new INDArray[L];
    final INDArray[] act = new INDArray[L + 1], dZ = new INDArray[L];
    final float[][] wJ = new float[L][], weffJ = new float[L][], dWJ = new float[L][];
    final FloatPointer[] weffPtr = new FloatPointer[L], dWPtr = new FloatPointer[L];
    long tMask, tGemm, tBack;   // phase sums (ns) of the DPP steps
    long step, totalSteps = 1;  // temperature anneals 5 -> 0.5 over the warm-up and timed steps, as in training

    DppStepBench(int batch) {
        this.batch = batch;
        Nd4j.getRandom().setSeed(1);
        x = Nd4j.rand(DataType.FLOAT, batch, 784);
        y = Nd4j.zeros(DataType.FLOAT, batch, 10);
        Random r = new Random(2);
        for (int i = 0; i < batch; i++) y.putScalar(i, r.nextInt(10), 1f);
        act[0] = x;
        for (int l = 0; l < L; l++) {
            int in = DIM[l], out = DIM[l + 1];
            w[l] = Nd4j.randn(DataType.FLOAT, out, in).muli(Math.sqrt(2.0 / in));
            b[l] = Nd4j.zeros(DataType.FLOAT, 1, out);
            weff[l] = Nd4j.create(DataType.FLOAT, out, in);
            dW[l] = Nd4j.create(DataType.FLOAT, out, in);
            act[l + 1] = Nd4j.create(DataType.FLOAT, batch, out);
            dZ[l] = Nd4j.create(DataType.FLOAT, batch, out);
            wJ[l] = w[l].data().asFloat();
            weffJ[l] = new float[in * out];
            dWJ[l] = new float[in * out];
            weffPtr[l] = new FloatPointer(weff[l].data().addressPointer());
            dWPtr[l] = new FloatPointer(dW[l].data().addressPointer());
        }
    }

    /** Forward and backward (softmax cross-entropy) with weights {@code wu}; leaves dL/dW in {@code dW}. */
    void fwdBwd(INDArray[] wu) {
        for (int l = 0; l < L; l++) {
            Nd4j.gemm(act[l], wu[l], act[l + 1], false, true, 1.0, 0.0);
            act[l + 1].addiRowVector(b[l]);
            if (l < L - 1) Transforms.relu(act[l + 1], false);
        }
        Transforms.softmax(act[L], false);
        dZ[L - 1].assign(act[L]).subi(y).divi(batch);
        for (int l = L - 1; l >= 0; l--) {
            Nd4j.gemm(dZ[l], act[l], dW[l], true, false, 1.0, 0.0);
            if (l > 0) {
                Nd4j.gemm(dZ[l], wu[l], dZ[l - 1], false, false, 1.0, 0.0);
                dZ[l - 1].muli(Transforms.step(act[l], true));
            }
        }
    }

    void denseStep() {
        fwdBwd(w);
        for (int l = 0; l < L; l++) {
            INDArray db = dZ[l].sum(true, 0);
            w[l].subi(dW[l].muli(SGD_LR));
            b[l].subi(db.muli(SGD_LR));
        }
    }

    DppLayer[] layers(double keep, DppConfig cfg) {
        DppLayer[] d = new DppLayer[L];
        for (int l = 0; l < L; l++) {
            double k = l == L - 1 ? Math.max(keep, 0.25) : keep;
            MaskSpec s = MaskSpec.ofKeep("fc" + (l + 1), Granularity.WEIGHT, new int[]{DIM[l + 1], DIM[l]}, k);
            d[l] = new DppLayer(s, Logits.fromWeights(wJ[l], s), cfg, 100 + l);
        }
        return d;
    }

    void dppStep(DppLayer[] d) {
        float T = SCHEDULE.at(step++, totalSteps);
        long t0 = System.nanoTime();
        for (int l = 0; l < L; l++) {
            d[l].forward(wJ[l], weffJ[l], T);
            weffPtr[l].put(weffJ[l]);
        }
        long t1 = System.nanoTime();
        fwdBwd(weff);
        long t2 = System.nanoTime();
        for (int l = 0; l < L; l++) {
            dWPtr[l].get(dWJ[l]);
            d[l].backward(wJ[l], dWJ[l], T);
        }
        long t3 = System.nanoTime();
        tMask += t1 - t0;
        tGemm += t2 - t1;
        tBack += t3 - t2;
    }

    /**
     * Alternates a dense and a DPP step (so that load from other processes hits both alike); returns their wall
     * times and the calling thread's CPU times (ms): {wall dense, wall DPP, cpu dense, cpu DPP}.
     */
    static double[][] timeInterleaved(Runnable dense, Runnable dpp, int warm, int steps) {
        for (int i = 0; i < warm; i++) {
            dense.run();
            dpp.run();
        }
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

    static double median(double[] t) {
        double[] s = t.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int warm = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int[] batches = args.length > 2 ? Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray() : new int[]{128, 512};
        double[] keeps = {0.02, 0.05, 0.10, 0.25};
        record Variant(String name, DppConfig cfg) {
        }
        List<Variant> variants = List.of(
                new Variant("1 thread", DppConfig.defaults()),
                new Variant("2 threads", DppConfig.defaults().withThreads(2)),
                new Variant("2 threads, limit only", DppConfig.defaults().withThreads(2).withExactKMax(0)));
        System.out.printf(Locale.ROOT, "DppStepBench: LeNet-300-100, OMP_NUM_THREADS=%s, %d cores, steps=%d warmup=%d, vector=%s, "
                        + "dense and DPP steps interleaved%n", System.getenv("OMP_NUM_THREADS"), Runtime.getRuntime().availableProcessors(), steps, warm,
                ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
        for (int batch : batches) {
            System.out.printf(Locale.ROOT, "%nbatch %d%n", batch);
            System.out.println("| variant | keep | k fc1/fc2/fc3 | relaxation | dense ms | DPP ms | ratio | CPU dense ms | CPU DPP ms | CPU ratio | DPP mask fwd / gemms / bwd ms (means) |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
            for (Variant v : variants) {
                for (double keep : keeps) {
                    DppStepBench dense = new DppStepBench(batch), bm = new DppStepBench(batch);
                    DppLayer[] d = bm.layers(keep, v.cfg());
                    bm.totalSteps = warm + steps;
                    double[][] t = timeInterleaved(dense::denseStep, () -> bm.dppStep(d), warm, steps);
                    double dm = median(t[0]), pm = median(t[1]), dc = median(t[2]), pc = median(t[3]);
                    int total = warm + steps;
                    System.out.printf(Locale.ROOT, "| %s | %.0f%% | %d/%d/%d | %s | %.3f | %.3f | %.2f | %.3f | %.3f | %.2f | %.2f / %.2f / %.2f |%n",
                            v.name(), keep * 100, d[0].spec().k(), d[1].spec().k(), d[2].spec().k(), exactOrLimit(d), dm, pm, pm / dm, dc, pc, pc / dc,
                            bm.tMask / 1e6 / total, bm.tGemm / 1e6 / total, bm.tBack / 1e6 / total);
                }
            }
        }
    }

    /**
     * The suite's section: batch 32, 128 and 512, keep 2-25%, the default 1-thread configuration and 2 threads for the
     * per-row work; medians of interleaved dense/DPP steps and the ratio by wall time and by the calling thread's CPU
     * time.
     */
    static String section(boolean quick) throws Exception {
        int steps = quick ? 30 : 120, warm = quick ? 20 : 40;
        double[] keeps = {0.02, 0.05, 0.10, 0.25};
        Interleaved.Table t = new Interleaved.Table("batch", "keep", "k fc1/fc2/fc3", "relaxation", "dense ms", "DPP ms",
                "DPP / dense", "CPU DPP / dense", "DPP ms, 2 threads", "DPP / dense, 2 threads", "CPU (caller) DPP / dense, 2 threads");
        for (int batch : new int[]{32, 128, 512}) {
            for (double keep : keeps) {
                double[] one = measure(batch, keep, DppConfig.defaults(), warm, steps);
                double[] two = measure(batch, keep, DppConfig.defaults().withThreads(2), warm, steps);
                DppLayer[] d = new DppStepBench(batch).layers(keep, DppConfig.defaults());
                t.row(batch, Interleaved.f("%.0f%%", keep * 100), d[0].spec().k() + "/" + d[1].spec().k() + "/" + d[2].spec().k(), exactOrLimit(d),
                        Interleaved.f("%.2f", one[0]), Interleaved.f("%.2f", one[1]), Interleaved.f("**%.2f**", one[1] / one[0]), Interleaved.f("%.2f", one[3] / one[2]),
                        Interleaved.f("%.2f", two[1]), Interleaved.f("%.2f", two[1] / two[0]), Interleaved.f("%.2f", two[3] / two[2]));
            }
        }
        return Interleaved.f("LeNet-300-100 (784-300-100-10), weights frozen, one training step: dense = forward, backward and SGD on W "
                + "and b; DPP = Gumbel top-k masks, the same forward/backward on the masked weights, straight-through gradient and Adam "
                + "on the logits (output layer keep >= 25%%). Matrix products in ND4J on one BLAS thread, per-row DPP work in "
                + "vectorised Java on 1 thread (the default, what a device uses) or 2. Dense and DPP steps alternate; medians of %d "
                + "steps after %d warm-up steps, wall time and the calling thread's CPU time (on a loaded machine the CPU ratio "
                + "is the better estimate of a quiet machine's wall ratio).%n%n%s%n%s", steps, warm, t, convSection(quick));
    }

    /** LeNet-5 and the committed imported CNN on the graph engine ({@link GraphStepBench}). */
    static String convSection(boolean quick) throws Exception {
        int steps = quick ? 7 : 15, warm = quick ? 3 : 5;
        int[] batches = {32, 128, 512};
        double[] keeps = {0.02, 0.05, 0.10, 0.25};
        return Interleaved.f("Convolutional models on the graph engine devices train with (`io.fedprune.model.Network`, "
                + "`GraphStepBench`): dense = forward, backward and SGD on every weight and bias; DPP = the step of "
                + "`DppTrainer` with frozen weights (every layer's Gumbel top-k mask, the same forward/backward, relaxed "
                + "top-k gradient and Adam on the logits), the default layer plan (KERNEL for hidden Conv, WEIGHT for "
                + "Gemm, output layer keep >= 25%%), random inputs. Dense and DPP steps alternate; medians of %d steps "
                + "after %d warm-up steps.%n%n%s%n%s", steps, warm,
                GraphStepBench.table("lenet5", batches, keeps, warm, steps),
                GraphStepBench.table("models/mnist-cnn.onnx", batches, keeps, warm, steps));
    }

    /** {median dense ms, median DPP ms, median dense CPU ms, median DPP CPU ms}. */
    static double[] measure(int batch, double keep, DppConfig cfg, int warm, int steps) {
        DppStepBench dense = new DppStepBench(batch), bm = new DppStepBench(batch);
        DppLayer[] d = bm.layers(keep, cfg);
        bm.totalSteps = warm + steps;
        double[][] t = timeInterleaved(dense::denseStep, () -> bm.dppStep(d), warm, steps);
        return new double[]{median(t[0]), median(t[1]), median(t[2]), median(t[3])};
    }

    static String exactOrLimit(DppLayer[] d) {
        StringBuilder sb = new StringBuilder();
        for (DppLayer l : d) sb.append(sb.length() > 0 ? "/" : "").append(l.spec().k() >= l.spec().n() ? "-" : l.exactRelaxation() ? "exact" : "limit");
        return sb.toString();
    }
}
