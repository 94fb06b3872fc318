package io.fedprune.bench;

import io.fedprune.fuse.Accumulator;
import io.fedprune.fuse.Contribution;
import io.fedprune.fuse.FoldBounds;
import io.fedprune.fuse.Fusion;
import io.fedprune.fuse.FusionConfig;
import io.fedprune.fuse.FusionStrategy;
import io.fedprune.fuse.LayerShape;
import io.fedprune.fuse.RowRanks;
import io.fedprune.model.Tensor;
import io.fedprune.wire.TensorCodec;
import io.fedprune.wire.TensorEncoding;
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
    /** RANK only: whether the devices send their row ranks (else the coordinator sorts every row itself). */
    @Param({"true"})
    public boolean rowRanks;
    /** Whether the logits are as an INT8 update decodes (groups of 64 sharing a scale: ties within a group). */
    @Param({"false"})
    public boolean int8;

    List<Contribution> contributions;
    float[][] sumInto;
    FusionStrategy strategy;

    @Setup(Level.Trial)
    public void setUp() {
        contributions = contributions(devices, 1, rowRanks, int8);
        strategy = FusionConfig.of(Fusion.valueOf(rule)).strategy();
        sumInto = new float[LENET300.size()][];
        for (int l = 0; l < LENET300.size(); l++) sumInto[l] = new float[LENET300.get(l).size()];
    }

    /** A round's bounds: up to 200 devices of weight up to sqrt(6000) (as the coordinator sets them for such a fleet). */
    static final FoldBounds BOUNDS = FoldBounds.of(200, Math.sqrt(6000));

    /**
     * Device logits (Gaussian, distinct per device; with {@code int8}, as INT8 encodes and decodes them) and k = 10% of n,
     * weights the square root of 600-6000 samples; with {@code rowRanks}, each device's row ranks (what it sends for
     * RANK, computed outside the timed fold).
     */
    static List<Contribution> contributions(int devices, long seed, boolean rowRanks, boolean int8) {
        Random r = new Random(seed);
        List<Contribution> out = new ArrayList<>();
        for (int d = 0; d < devices; d++) {
            List<float[]> logits = new ArrayList<>();
            List<int[]> ranks = new ArrayList<>();
            int[] k = new int[LENET300.size()];
            for (int l = 0; l < LENET300.size(); l++) {
                float[] x = new float[LENET300.get(l).size()];
                for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 2);
                if (int8) {
                    Tensor t = new Tensor(LENET300.get(l).name(), new int[]{LENET300.get(l).groups(), LENET300.get(l).n()}, x);
                    x = TensorCodec.decode(TensorCodec.encode(t, TensorEncoding.INT8)).data();
                }
                logits.add(x);
                if (rowRanks) ranks.add(RowRanks.twice(x, LENET300.get(l).n()));
                k[l] = (int) Math.ceil(0.1 * LENET300.get(l).n());
            }
            out.add(new Contribution(logits, k, Math.sqrt(600 + r.nextInt(5400)), ranks));
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
        return fold(null);
    }

    /** One round's fold; {@code cpuNs[0]} gets the CPU time of {@code begin} and the adds (what grows with the fleet). */
    Object fold(long[] cpuNs) {
        long c0 = cpuNs == null ? 0 : cpuNs();
        Accumulator acc = strategy.begin(LENET300, BOUNDS);
        for (Contribution c : contributions) acc.add(c);
        if (cpuNs != null) cpuNs[0] = cpuNs() - c0;
        return acc.finish();
    }

    /** A whole round of {@code adds} updates (the devices' contributions in turn), finish included. */
    Object fold(int adds) {
        Accumulator acc = strategy.begin(LENET300, BOUNDS);
        for (int i = 0; i < adds; i++) acc.add(contributions.get(i % contributions.size()));
        return acc.finish();
    }

    /** The fleet of {@link #section}'s whole-round column, the most devices the bounds allow. */
    static final int FLEET = 200;

    /**
     * GB/s per core (CPU time of all threads) of a whole round of {@link #FLEET} updates, finish included: medians of
     * {@code timed} rounds after {@code warm}; NaN for the rules that keep every update (their finish grows with it).
     */
    double wholeRound(int warm, int timed) {
        if (Fusion.valueOf(rule) != Fusion.RANK && Fusion.valueOf(rule) != Fusion.MEAN) return Double.NaN;
        double[] ms = new double[timed];
        for (int i = -warm; i < timed; i++) {
            long c0 = cpuNs();
            fold(FLEET);
            if (i >= 0) ms[i] = (cpuNs() - c0) / 1e6;
        }
        return bytes(FLEET) / Interleaved.median(ms) / 1e6;
    }

    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    /**
     * The CPU time of every live thread of this JVM, in ns: what a fold costs, wherever it runs (RANK's finish sorts its
     * rows on the common pool). The process's own CPU clock would do, but the JDK reads it in 10 ms ticks here.
     */
    static long cpuNs() {
        long sum = 0;
        for (long t : ((com.sun.management.ThreadMXBean) MX).getThreadCpuTime(MX.getAllThreadIds())) if (t > 0) sum += t;
        return sum;
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

    /** Indices of {@link #variant}'s figures. */
    static final int FOLD = 0, SUM = 1, ADD = 2, SUM_PER_FOLD = 3, FINISH = 4, FOLD_WALL = 5, WHOLE = 6;

    /**
     * One variant measured in this JVM: folds of 10 devices and {@code float[]} sums of the same arrays alternate after a
     * warm-up of at least {@code warm} pairs and until the JIT is done ({@link Forked#warmUp}), timed by CPU time (every thread of the JVM for the fold, the caller for the sum) and by wall time; medians
     * in ms of the fold, the sum, the fold's begin and adds, the ratio sum / fold, the finish and the fold's wall time,
     * then the whole round's GB/s ({@link #wholeRound}).
     */
    static double[] variant(Fusion rule, boolean rowRanks, boolean int8, int warm, int timed, int wholeWarm, int wholeTimed) {
        FusionBench b = new FusionBench();
        b.devices = 10;
        b.rule = rule.name();
        b.rowRanks = rowRanks;
        b.int8 = int8;
        b.setUp();
        long[] addCpu = new long[1];
        double[] fold = new double[timed], sum = new double[timed], foldWall = new double[timed], add = new double[timed],
                finish = new double[timed];
        Forked.warmUp(() -> {
            b.fold(addCpu);
            b.floatSum();
        }, warm);
        for (int i = 0; i < timed; i++) {
            long c0 = cpuNs(), w0 = System.nanoTime();
            b.fold(addCpu);
            long c1 = cpuNs(), w1 = System.nanoTime(), s0 = MX.getCurrentThreadCpuTime();
            b.floatSum();
            long s1 = MX.getCurrentThreadCpuTime();
            fold[i] = (c1 - c0) / 1e6;
            add[i] = addCpu[0] / 1e6;
            finish[i] = fold[i] - add[i];
            foldWall[i] = (w1 - w0) / 1e6;
            sum[i] = (s1 - s0) / 1e6;
        }
        return new double[]{Interleaved.median(fold), Interleaved.median(sum), Interleaved.median(add),
                Interleaved.median(Interleaved.ratios(sum, fold)), Interleaved.median(finish), Interleaved.median(foldWall),
                b.wholeRound(wholeWarm, wholeTimed)};
    }

    /**
     * The suite's section: per rule, {@link #variant} in a JVM of its own ({@link Forked}; in one JVM the rules measured
     * first left profiles that slowed later ones: MEAN's adds at 1.58 GB/s after the three RANK variants, 8 alone), timed
     * by CPU time (GB/s per core: on a shared, loaded machine wall-clock JMH scores measure the share of a core the
     * process got, about a tenth at a load average of 20 on 2 cores) and by wall time; medians. RANK runs three times:
     * with the devices' row ranks (what agents send when asked) and without (the coordinator sorts every row: its
     * default), of float32 logits and of INT8-decoded ones. The JMH methods above run the same code under JMH on a quiet
     * machine. The heap each rule's accumulator holds is measured in this JVM.
     */
    static String section(int reps, boolean quick) throws Exception {
        int warm = quick ? 5 : 15, timed = quick ? 9 : 5 * reps + 6, wholeWarm = quick ? 1 : 2, wholeTimed = quick ? 3 : 5;
        int devices = 10;
        double bytes = bytes(devices);
        Interleaved.Table t = new Interleaved.Table("rule", "GB/s per core (CPU time)", "rule / float[] sum (CPU time)",
                "per update: GB/s per core (CPU time)", "finish ms (CPU)", "GB/s (wall)", "fold ms (CPU)", "whole round of " + FLEET + " devices: GB/s per core (CPU time)",
                "heap held after 10 / 50 / 200 devices");
        List<Double> sumGbps = new ArrayList<>();
        Map<String, Double> addNsPerLogit = new HashMap<>();
        double rankFinishMs = 0;
        List<String[]> rows = new ArrayList<>();
        List<Object[]> variants = new ArrayList<>();
        variants.add(new Object[]{Fusion.RANK, true, "RANK (device ranks)", false});
        variants.add(new Object[]{Fusion.RANK, false, "RANK (coordinator sorts the rows)", false});
        variants.add(new Object[]{Fusion.RANK, false, "RANK (coordinator sorts INT8-decoded rows)", true});
        for (Fusion rule : Fusion.values()) if (rule != Fusion.RANK) variants.add(new Object[]{rule, false, rule.name(), false});
        for (Object[] v : variants) {
            double[] m = Forked.run(FusionBench.class, List.of("--variant", ((Fusion) v[0]).name(), v[1].toString(), v[3].toString(),
                    String.valueOf(warm), String.valueOf(timed), String.valueOf(wholeWarm), String.valueOf(wholeTimed)));
            sumGbps.add(bytes / m[SUM] / 1e6);
            addNsPerLogit.put((String) v[2], m[ADD] * 1e6 / (bytes / 4));
            if (v[0] == Fusion.RANK && (Boolean) v[1]) rankFinishMs = m[FINISH];
            rows.add(new String[]{(String) v[2], f("%.2f", bytes / m[FOLD] / 1e6), f("%.3f", m[SUM_PER_FOLD]),
                    f("%.2f", bytes / m[ADD] / 1e6), f("%.1f", m[FINISH]), f("%.2f", bytes / m[FOLD_WALL] / 1e6),
                    f("%.1f", m[FOLD]), Double.isNaN(m[WHOLE]) ? "-" : f("%.2f", m[WHOLE]), memory((Fusion) v[0])});
        }
        t.row("`float[]` sum (baseline)", f("%.2f", Interleaved.median(sumGbps)), "1", "", "", "", "", "", "");
        for (String[] r : rows) t.row((Object[]) r);
        double sorted = addNsPerLogit.get("RANK (coordinator sorts the rows)"), sent = addNsPerLogit.get("RANK (device ranks)"),
                int8 = addNsPerLogit.get("RANK (coordinator sorts INT8-decoded rows)"), mean = addNsPerLogit.get("MEAN");
        return f("One round's fold of 10 devices' LeNet-300-100 logits (266,200 float32 each, %.1f MB): `begin`, `add` of "
                + "every device and `finish`, one thread, against a plain `float[]` sum of the same arrays (the memory-bandwidth "
                + "bound), the two alternating, each rule in a JVM of its own; at least %d warm-up folds and then until the JIT has compiled nothing for a second, %d timed folds per rule, medians. GB/s = 10^9 bytes "
                + "of float32 logits folded per second of CPU time (per core: the CPU time of all the JVM's threads, as RANK's finish sorts its rows on the common pool; the sum's on its one thread; wall-clock GB/s beside it). *Per "
                + "update* is `begin` and the adds only, what grows with the fleet (the round loop pays it for every update as it "
                + "arrives); *finish* is the round's one-off fused scores and logits (for RANK per row: the rank of the fused "
                + "score sums and the sorted mean logits), paid once per round whatever the fleet, so its share falls with the "
                + "device count (10 devices here; the column *whole round of 200 devices* folds the same 10 updates 20 times "
                + "over, then finishes, median of 5 such rounds: for the streaming rules, what a large fleet's round costs per "
                + "byte; the trimmed mean and median keep every update and sort them per coordinate at the finish, and the "
                + "inclusion rule solves each row's inclusion probabilities per update, so they are left out there). The fold's bounds fix its fixed-point scales: up to 200 devices of weight up "
                + "to sqrt(6000), |logit| <= 2^16.%n%n%s%n"
                + "Sums: the streaming rules' sums are fixed-point. Each term weight x value is rounded once (one fused "
                + "multiply-add, ties to even) to a multiple of a power of two that the round's bounds fix, and added to a "
                + "`long`: integer additions are exact, so the result does not depend on the order the updates arrive in (the "
                + "same updates give the same bits, and a refused update is subtracted back exactly), and the finiteness and "
                + "bound check runs in the same vectorised pass. A fused mean is within count / (2 scale total) of the exact "
                + "weighted mean, about 2^-27 relative to the weights for this round, far below a float32 ulp. Per update the "
                + "sums cost %.2f ns of CPU per logit (MEAN; two sums in one pass for RANK).%n%n"
                + "RANK: ranking each row is the cost. The coordinator sorts every row of an update (what it does by "
                + "default): each value gets a 16-bit key, its place on an even grid between the row's smallest and largest "
                + "value (float operations that never decrease as the value grows); two 8-bit counting passes over ints that "
                + "pack the key above the position order the row by key, the second writing each value's position as its rank; "
                + "the few runs of positions that share a key are then ordered by value (insertion) and their equal values "
                + "(INT8's groups of 64 make some) given their average position. Exact: "
                + "the ranks of the definition (RowOpsTest against the O(n^2) definition, FusionTest). A row the grid does not "
                + "spread (a non-finite value, equal extremes, or distinct values sharing keys that take more than n moves to "
                + "insert) is sorted by the four-pass radix sort of 32-bit keys used before. Now: %.2f ns per logit per update "
                + "(%.1f times the device-ranks path below in this run; CPU time per core varies two- to threefold with this "
                + "machine's state, the ratios less), and %.2f for INT8-decoded logits.%n%n"
                + "A device can instead send its rows' ranks with its logits: twice each logit's rank in its row (ties averaged, "
                + "so an integer in [0, 2n - 2], a uint16 for rows of up to 32768), ranked on the device by the coordinator's "
                + "own code after its uplink encoding's rounding, so INT8's ties are the coordinator's. The coordinator folds "
                + "them in the same streaming, vectorised pass as the logits, with no gather or scatter, and checks in that pass "
                + "that each row looks like a ranking: every value in range, the row's sum n(n - 1), its sum of squares at most a "
                + "permutation's (a bad row refuses the whole update and is subtracted back exactly). %.2f ns per logit per "
                + "update, %.2f beyond MEAN's one sum; the same fused bits as sorting here (twice the rank at half the scale is "
                + "the same term: FusionTest, and FederatedRoundsIT over the broker). It does not check that the ranks agree "
                + "with the logits: a device picks its logits freely, so agreement proves nothing about its honesty; what bounds "
                + "its influence on the fused ranking is that its vote per row is no larger than a ranking's (range, sum, "
                + "spread: `io.fedprune.fuse.RowRanks`). The ranks cost 16 bits per parameter of uplink (FLOAT32 32 -> 48, INT8 "
                + "8.5 -> 24.5, 0.53 MB more per LeNet-300-100 update) to save %.1f ms of coordinator CPU per update; the "
                + "section Round overhead sets one against the other (its row *200, device ranks*: on this machine's broker "
                + "the bigger uploads took about as long as, or longer than, the sorting they spare), so the coordinator asks "
                + "for them only when a job says so (`rowRanks`, `training_config.row_ranks`); agents send them when asked.%n%n"
                + "The bar of 2 GB/s per core per update (2 ns per logit): MEAN meets it (%.2f GB/s), and RANK meets it when "
                + "the devices send their ranks (%.2f GB/s, %.2f of MEAN's and %.3f of the `float[]` sum's in this run). RANK "
                + "with the coordinator sorting (its default, for the uplink's sake) does not: sorting costs %.2f ns per logit "
                + "beside the sums' (five scalar passes over every value: the row's extremes, the grid keys, the histogram and "
                + "the two counting passes, whose stores go where the data says). RANK's finish, %.1f ms, is paid once per round "
                + "whatever the fleet: per row, the order of the fused rank sums and of the logit sums (the fixed-point sums "
                + "themselves: each key's place on a 16-bit grid between the row's extremes, two 8-bit counting passes, the few "
                + "runs sharing a place ordered by insertion; the same order as the 8-pass radix sort of 64-bit keys it replaces, "
                + "which it falls back to where keys crowd, so the same bits; 16.4 ms before on 2026-12-02 at load 1.2, 11.8 at "
                + "load 5.0). At 10 devices it is still most of the round's fold, so RANK's whole-round GB/s stays below the bar "
                + "at that fleet size; over a round of 200 devices it is a small share (the column *whole round of 200 devices*).%n",
                bytes / 1e6, warm, timed, t, mean, sorted, sorted / sent, int8, sent, sent - mean,
                (sorted - sent) * bytes / 4 / devices / 1e6, 4 / mean, 4 / sent, mean / sent,
                4 / sent / Interleaved.median(sumGbps), sorted - sent, rankFinishMs);
    }

    /**
     * {@code FusionBench --variant RULE ROW_RANKS INT8 WARM TIMED WHOLE_WARM WHOLE_TIMED}: {@link #variant} in this JVM,
     * its figures printed for {@link Forked#run} (what the section's forks run).
     */
    public static void main(String[] args) {
        if (args.length != 8 || !args[0].equals("--variant"))
            throw new IllegalArgumentException("usage: FusionBench --variant RULE ROW_RANKS INT8 WARM TIMED WHOLE_WARM WHOLE_TIMED");
        Forked.print(variant(Fusion.valueOf(args[1]), Boolean.parseBoolean(args[2]), Boolean.parseBoolean(args[3]),
                Integer.parseInt(args[4]), Integer.parseInt(args[5]), Integer.parseInt(args[6]), Integer.parseInt(args[7])));
    }

    /** Heap held by an accumulator after adding N devices (MB), measured after GC: O(model) or O(devices x model). */
    static String memory(Fusion rule) {
        List<String> out = new ArrayList<>();
        List<Contribution> pool = contributions(4, 2, rule == Fusion.RANK, false);
        for (int n : new int[]{10, 50, 200}) {
            long before = usedAfterGc();
            Accumulator acc = FusionConfig.of(rule).strategy().begin(LENET300, BOUNDS);
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
