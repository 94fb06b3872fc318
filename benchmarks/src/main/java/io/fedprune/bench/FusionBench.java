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
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.fedprune.bench.Interleaved.f;

/**
 * Fusion throughput (JMH): one round's fold, {@code begin}, {@code add} of every device's LeNet-300-100 logits
 * (266,200 float32 per device) and {@code finish}, per rule; beside it, in the same fork, the memory-bandwidth bound:
 * a plain {@code float[]} sum of the same arrays. Single-threaded (per core). {@link #section} repeats the JMH run
 * (one fork each) and reports medians over the repetitions of GB/s (10^9 bytes of float32 logits folded per second)
 * and of the ratio to the {@code float[]} sum of the same repetition; plus the heap an accumulator holds against the
 * device count.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class FusionBench {
    static final List<LayerShape> LENET300 = List.of(new LayerShape("fc1", 300, 784), new LayerShape("fc2", 100, 300),
            new LayerShape("fc3", 10, 100));

    static final int WARMUP_ITERATIONS = 8;

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

    /** Runs the JMH benchmark {@code reps} times (one fork each) and writes the Markdown section. */
    static String section(int reps, boolean quick) throws Exception {
        Map<String, List<Double>> gbps = new HashMap<>(), ratio = new HashMap<>();
        List<Double> sumGbps = new ArrayList<>();
        for (int rep = 0; rep < reps; rep++) {
            // one fold takes 5-50 ms on a quiet core (10x that under load, and seconds before the JIT compiled it):
            // enough warm-up iterations that the timed ones run compiled code, several folds per iteration
            Options o = new OptionsBuilder().include(FusionBench.class.getName() + "\\.").forks(1)
                    .warmupIterations(quick ? 4 : WARMUP_ITERATIONS).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(quick ? 3 : 5).measurementTime(TimeValue.seconds(quick ? 1 : 2))
                    .jvmArgsAppend("-Xmx3g").shouldDoGC(true).build();
            Collection<RunResult> results = new Runner(o).run();
            Map<String, Double> ms = new HashMap<>();
            for (RunResult rr : results) {
                String method = rr.getParams().getBenchmark().replaceAll(".*\\.", "");
                ms.put(method + "/" + rr.getParams().getParam("rule"), rr.getPrimaryResult().getScore());
            }
            double bytes = bytes(10);
            for (Fusion rule : Fusion.values()) {
                double fold = ms.get("fold/" + rule), sum = ms.get("floatSum/" + rule);
                gbps.computeIfAbsent(rule.name(), x -> new ArrayList<>()).add(bytes / fold / 1e6);
                ratio.computeIfAbsent(rule.name(), x -> new ArrayList<>()).add(sum / fold);
                sumGbps.add(bytes / sum / 1e6);
            }
        }
        StringBuilder md = new StringBuilder();
        md.append(f("One round's fold of 10 devices' LeNet-300-100 logits (266,200 float32 each, %.1f MB), one thread, JMH "
                + "(`%s`, average time, 1 fork per repetition, %d warm-up iterations of 1 s, %d timed iterations of %d s), %d "
                + "repetitions; the `float[]` sum of the same arrays runs in the same fork as each rule. GB/s = 10^9 bytes of "
                + "float32 logits folded per second, medians over the repetitions.%n%n",
                bytes(10) / 1e6, FusionBench.class.getSimpleName(), quick ? 4 : WARMUP_ITERATIONS, quick ? 3 : 5, quick ? 1 : 2, reps));
        Interleaved.Table t = new Interleaved.Table("rule", "GB/s per core", "rule / float[] sum", "heap held after 10 / 50 / 200 devices");
        t.row("`float[]` sum (baseline)", f("%.2f", Interleaved.median(sumGbps)), "1", "");
        for (Fusion rule : Fusion.values())
            t.row(rule.name(), f("%.2f", Interleaved.median(gbps.get(rule.name()))), f("%.2f", Interleaved.median(ratio.get(rule.name()))), memory(rule));
        md.append(t);
        double rankMs = bytes(10) / Interleaved.median(gbps.get("RANK")) / 1e6, meanMs = bytes(10) / Interleaved.median(gbps.get("MEAN")) / 1e6;
        md.append(f("%nMEAN is a compensated (double-double) weighted sum of the logits, exact to about 100 bits so that the "
                + "result does not depend on the order the updates arrive in. RANK adds, per device and row, the exact rank of "
                + "every logit (a stable radix sort of the row, ties averaged) and a second such sum of the ranks: its fold "
                + "minus MEAN's is %.1f ns per logit, the cost of the per-row sort, which bounds RANK at about %.2f GB/s "
                + "however fast the sums are (4 bytes per logit).%n", (rankMs - meanMs) * 1e6 / (bytes(10) / 4),
                4 / ((rankMs - meanMs) * 1e6 / (bytes(10) / 4))));
        return md.toString();
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
