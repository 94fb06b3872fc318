package io.fedprune.bench;

import io.fedprune.fuse.Accumulator;
import io.fedprune.fuse.Contribution;
import io.fedprune.fuse.Fusion;
import io.fedprune.fuse.FusionConfig;
import io.fedprune.fuse.FusionStrategy;
import io.fedprune.fuse.LayerShape;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.fedprune.bench.Interleaved.f;

/**
 * Fusion throughput (JMH): one round's fold, {@code begin}, {@code add} of every device's LeNet-300-100 logits
 * (266,200 float32 per device) and {@code finish}, per rule; beside it, in the same fork, the memory-bandwidth bound:
 * a plain {@code float[]} sum of the same arrays. Single-threaded (per core). The JMH methods are for a quiet
 * machine; {@link #section} (the suite) alternates the same two methods in-process and times them by thread CPU time,
 * plus the heap an accumulator holds against the device count.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class FusionBench {
    static final List<LayerShape> LENET300 = List.of(new LayerShape("fc1", 300, 784), new LayerShape("fc2", 100, 300),
            new LayerShape("fc3", 10, 100));

    @Param({"10"})
    public int devices;
    @Param({"RANK", "MEAN", "INCLUSION", "TRIMMED_MEAN", "MEDIAN"})
    public String rule;

    List<Contribution> contributions;
    float[][] sumInto;
    FusionStrategy strategy;

    @Setup(Level.Trial)
    public void setUp() {
        contributions = contributions(devices, 1);
        strategy = FusionConfig.of(Fusion.valueOf(rule)).strategy();
        sumInto = new float[LENET300.size()][];
        for (int l = 0; l < LENET300.size(); l++) sumInto[l] = new float[LENET300.get(l).size()];
    }

    /** Device logits (Gaussian, distinct per device) and k = 10% of n, weights the square root of 600-6000 samples. */
    static List<Contribution> contributions(int devices, long seed) {
        Random r = new Random(seed);
        List<Contribution> out = new ArrayList<>();
        for (int d = 0; d < devices; d++) {
            List<float[]> logits = new ArrayList<>();
            int[] k = new int[LENET300.size()];
            for (int l = 0; l < LENET300.size(); l++) {
                float[] x = new float[LENET300.get(l).size()];
                for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 2);
                logits.add(x);
                k[l] = (int) Math.ceil(0.1 * LENET300.get(l).n());
            }
            out.add(new Contribution(logits, k, Math.sqrt(600 + r.nextInt(5400))));
        }
        return out;
    }

    static long bytes(int devices) {
        long n = 0;
        for (LayerShape s : LENET300) n += s.size();
        return 4L * n * devices;
    }

    @Benchmark
    public Object fold() {
        Accumulator acc = strategy.begin(LENET300);
        for (Contribution c : contributions) acc.add(c);
        return acc.finish();
    }

    @Benchmark
    public float floatSum() {
        for (float[] s : sumInto) java.util.Arrays.fill(s, 0f);
        for (Contribution c : contributions)
            for (int l = 0; l < sumInto.length; l++) {
                float[] x = c.logits().get(l), s = sumInto[l];
                for (int i = 0; i < x.length; i++) s[i] += x[i];
            }
        return sumInto[0][0];
    }

    /**
     * The suite's section: per rule, folds and {@code float[]} sums of the same arrays alternate in this JVM after a
     * warm-up, timed by the calling thread's CPU time (GB/s per core: on a shared, loaded machine wall-clock JMH
     * scores measure the share of a core the process got, about a tenth at a load average of 20 on 2 cores) and by
     * wall time; medians. The JMH methods above run the same code under JMH on a quiet machine.
     */
    static String section(int reps, boolean quick) {
        int warm = quick ? 5 : 15, timed = quick ? 9 : 5 * reps + 6;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        FusionBench b = new FusionBench();
        b.devices = 10;
        double bytes = bytes(10);
        Interleaved.Table t = new Interleaved.Table("rule", "GB/s per core (CPU time)", "rule / float[] sum (CPU time)", "GB/s (wall)",
                "fold ms (CPU)", "heap held after 10 / 50 / 200 devices");
        List<Double> sumGbps = new ArrayList<>();
        Map<String, Double> foldCpuMs = new HashMap<>();
        List<String[]> rows = new ArrayList<>();
        for (Fusion rule : Fusion.values()) {
            b.rule = rule.name();
            b.setUp();
            double[] fold = new double[timed], sum = new double[timed], foldWall = new double[timed];
            for (int i = -warm; i < timed; i++) {
                long c0 = mx.getCurrentThreadCpuTime(), w0 = System.nanoTime();
                b.fold();
                long c1 = mx.getCurrentThreadCpuTime(), w1 = System.nanoTime();
                b.floatSum();
                long c2 = mx.getCurrentThreadCpuTime();
                if (i >= 0) {
                    fold[i] = (c1 - c0) / 1e6;
                    foldWall[i] = (w1 - w0) / 1e6;
                    sum[i] = (c2 - c1) / 1e6;
                }
            }
            double f = Interleaved.median(fold), sm = Interleaved.median(sum);
            sumGbps.add(bytes / sm / 1e6);
            foldCpuMs.put(rule.name(), f);
            rows.add(new String[]{rule.name(), f("%.2f", bytes / f / 1e6), f("%.3f", Interleaved.median(Interleaved.ratios(sum, fold))),
                    f("%.2f", bytes / Interleaved.median(foldWall) / 1e6), f("%.1f", f), memory(rule)});
        }
        t.row("`float[]` sum (baseline)", f("%.2f", Interleaved.median(sumGbps)), "1", "", "", "");
        for (String[] r : rows) t.row((Object[]) r);
        double logits = bytes / 4, rankNs = (foldCpuMs.get("RANK") - foldCpuMs.get("MEAN")) * 1e6 / logits;
        return f("One round's fold of 10 devices' LeNet-300-100 logits (266,200 float32 each, %.1f MB): `begin`, `add` of "
                + "every device and `finish`, one thread, against a plain `float[]` sum of the same arrays (the memory-bandwidth "
                + "bound), the two alternating in one JVM; %d warm-up and %d timed folds per rule, medians. GB/s = 10^9 bytes "
                + "of float32 logits folded per second of the thread's CPU time (per core; wall-clock GB/s beside it).%n%n%s%n"
                + "MEAN is a compensated (double-double) weighted sum of the logits, exact to about 100 bits so that the "
                + "result does not depend on the order the updates arrive in. RANK adds, per device and row, the exact rank of "
                + "every logit (a stable radix sort of the row, ties averaged) and a second such sum of the ranks: its fold "
                + "minus MEAN's is %.1f ns of CPU per logit, the cost of the per-row sort, which alone bounds RANK at about "
                + "%.2f GB/s per core (4 bytes per logit) however fast the sums are.%n",
                bytes / 1e6, warm, timed, t, rankNs, 4 / rankNs);
    }

    /** Heap held by an accumulator after adding N devices (MB), measured after GC: O(model) or O(devices x model). */
    static String memory(Fusion rule) {
        List<String> out = new ArrayList<>();
        List<Contribution> pool = contributions(4, 2);
        for (int n : new int[]{10, 50, 200}) {
            long before = usedAfterGc();
            Accumulator acc = FusionConfig.of(rule).strategy().begin(LENET300);
            for (int d = 0; d < n; d++) acc.add(pool.get(d % pool.size()));
            long after = usedAfterGc();
            out.add(f("%.0f", (after - before) / 1e6));
            if (acc.count() != n) throw new IllegalStateException();
        }
        return String.join(" / ", out) + " MB";
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
