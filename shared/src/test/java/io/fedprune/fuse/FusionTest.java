package io.fedprune.fuse;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class FusionTest {
    private static final double EPS = 1e-6;
    private static final LayerShape ROW4 = new LayerShape("l", 1, 4);
    /** The tests' folds: a few contributions of weight at most 8 (weights up to 5000: {@link #LARGE}). */
    private static final FoldBounds BOUNDS = FoldBounds.of(16, 8);
    private static final FoldBounds LARGE = FoldBounds.of(16, 5000);

    private static FusionResult fuse(Fusion method, List<LayerShape> layers, Contribution... cs) {
        Accumulator acc = FusionConfig.of(method).strategy().begin(layers, BOUNDS);
        for (Contribution c : cs) acc.add(c);
        return acc.finish();
    }

    private static Contribution c(double weight, int k, float... logits) {
        return new Contribution(List.of(logits), new int[]{k}, weight);
    }

    private static void assertFloats(double[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], EPS, "index " + i);
    }

    @Test
    void meanIsTheWeightedMean() {
        // (1*1 + 3*4)/4 = 3.25, (2 + 15)/4 = 4.25, (3 + 27)/4 = 7.5
        FusionResult r = fuse(Fusion.MEAN, List.of(new LayerShape("l", 1, 3)), c(1, 1, 1, 2, 3), c(3, 1, 4, 5, 9));
        assertFloats(new double[]{3.25, 4.25, 7.5}, r.logits().get(0));
        assertFloats(new double[]{3.25, 4.25, 7.5}, r.scores().get(0));
        assertEquals(2, r.contributions());
        assertEquals(4.0, r.totalWeight());
    }

    @Test
    void rankIsBordaAndReordersTheMeanLogits() {
        // A (w 1): ranks [0,3,1,2]; B (w 3): ranks [1,0,3,2]; mean ranks [0.75, 0.75, 2.5, 2.0]
        // fused order: {0,1} tied, then 3, then 2 -> score ranks [0.5, 0.5, 3, 2]
        // mean logits [0.775, 0.1, 2.3, 1.575] sorted [0.1, 0.775, 1.575, 2.3]:
        // 0 and 1 share (0.1 + 0.775)/2 = 0.4375; 3 gets 1.575; 2 gets 2.3
        FusionResult r = fuse(Fusion.RANK, List.of(ROW4), c(1, 2, 0.1f, 0.4f, 0.2f, 0.3f), c(3, 2, 1f, 0f, 3f, 2f));
        assertFloats(new double[]{0.5, 0.5, 3, 2}, r.scores().get(0));
        assertFloats(new double[]{0.4375, 0.4375, 2.3, 1.575}, r.logits().get(0));
    }

    @Test
    void rankWorksRowByRowAndAveragesTiedInputs() {
        // row 0: A [5,5,1] ranks [1.5,1.5,0]; B [0,2,1] ranks [0,2,1]; equal weights -> [0.75, 1.75, 0.5]
        //        order 2,0,1 -> score ranks [1,2,0]; mean logits [2.5,3.5,1] sorted [1,2.5,3.5] -> [2.5,3.5,1]
        // row 1: A [3,2,1] ranks [2,1,0]; B [30,20,10] same -> [2,1,0]; mean logits [16.5,11,5.5] already in order
        LayerShape s = new LayerShape("l", 2, 3);
        FusionResult r = fuse(Fusion.RANK, List.of(s),
                c(2, 1, 5, 5, 1, 3, 2, 1), c(2, 1, 0, 2, 1, 30, 20, 10));
        assertFloats(new double[]{1, 2, 0, 2, 1, 0}, r.scores().get(0));
        assertFloats(new double[]{2.5, 3.5, 1, 16.5, 11, 5.5}, r.logits().get(0));
    }

    @Test
    void inclusionProbabilitiesOfTheContinuousLimit() {
        // n=2, k=1, logits [ln 2, 0] at T=1: m = 1 - exp(-2a), 1 - exp(-a) with exp(-2a) + exp(-a) = 1
        // -> exp(-a) = (sqrt 5 - 1)/2 = 0.618034: m = [1 - 0.381966, 1 - 0.618034] = [0.618034, 0.381966]
        LayerShape s = new LayerShape("l", 1, 2);
        double golden = (Math.sqrt(5) - 1) / 2;
        double[] m = RowOps.inclusion(new float[]{(float) Math.log(2), 0f}, s, 1, 1.0);
        assertEquals(golden, m[0], 1e-6);
        assertEquals(1 - golden, m[1], 1e-6);
        // the same at T=2 with doubled logits
        double[] m2 = RowOps.inclusion(new float[]{(float) (2 * Math.log(2)), 0f}, s, 1, 2.0);
        assertEquals(golden, m2[0], 1e-6);
        // equal logits: k/n each; k = n: all ones
        assertArrayEquals(new double[]{0.5, 0.5, 0.5, 0.5}, RowOps.inclusion(new float[4], ROW4, 2, 1.0), 1e-9);
        assertArrayEquals(new double[]{1, 1, 1, 1}, RowOps.inclusion(new float[]{1, 2, 3, 4}, ROW4, 4, 1.0), 0);
    }

    @Test
    void inclusionFusionAveragesProbabilitiesAndReorders() {
        // A (w 1): [ln2, 0] -> m [0.618034, 0.381966]; B (w 3): [0, 0] -> [0.5, 0.5]
        // mean m: [(0.618034 + 1.5)/4, (0.381966 + 1.5)/4] -> element 0 ranks higher
        // mean logits [ln2/4, 0] sorted [0, ln2/4]: already in fused order
        LayerShape s = new LayerShape("l", 1, 2);
        FusionResult r = fuse(Fusion.INCLUSION, List.of(s), c(1, 1, (float) Math.log(2), 0f), c(3, 1, 0f, 0f));
        assertFloats(new double[]{1, 0}, r.scores().get(0));
        assertFloats(new double[]{Math.log(2) / 4, 0}, r.logits().get(0));
    }

    @Test
    void trimmedMeanDropsTheExtremes() {
        // 5 devices, trim 0.2 -> drop 1 at each end: values [10, 1, 2, 3, -100] -> mean of [1, 2, 3] = 2
        LayerShape s = new LayerShape("l", 1, 1);
        Accumulator acc = new FusionConfig(Fusion.TRIMMED_MEAN, 0.2, 1.0, ServerOptimizer.Config.none()).strategy().begin(List.of(s), BOUNDS);
        for (float v : new float[]{10, 1, 2, 3, -100}) acc.add(c(1, 1, v));
        assertFloats(new double[]{2}, acc.finish().logits().get(0));
        // weighted: kept 1 (w1), 2 (w1), 3 (w2) -> (1 + 2 + 6)/4 = 2.25
        acc = new FusionConfig(Fusion.TRIMMED_MEAN, 0.2, 1.0, ServerOptimizer.Config.none()).strategy().begin(List.of(s), BOUNDS);
        acc.add(c(1, 1, 10)); acc.add(c(1, 1, 1)); acc.add(c(1, 1, 2)); acc.add(c(2, 1, 3)); acc.add(c(1, 1, -100));
        assertFloats(new double[]{2.25}, acc.finish().logits().get(0));
    }

    @Test
    void medianIsCoordinateWiseAndWeighted() {
        LayerShape s = new LayerShape("l", 1, 2);
        // coordinate 0: [1,2,3] weights [1,1,5] -> 3; coordinate 1: [30, 10, 20] -> weighted median 20 (cum 1,2 < 3.5, then 7)
        FusionResult r = fuse(Fusion.MEDIAN, List.of(s), c(1, 1, 1, 30), c(1, 1, 2, 10), c(5, 1, 3, 20));
        assertFloats(new double[]{3, 20}, r.logits().get(0));
        // equal weights, even count: mean of the two middle values
        r = fuse(Fusion.MEDIAN, List.of(new LayerShape("l", 1, 1)), c(1, 1, 4), c(1, 1, 1), c(1, 1, 3), c(1, 1, 2));
        assertFloats(new double[]{2.5}, r.logits().get(0));
    }

    @Test
    void theResultDoesNotDependOnArrivalOrder() {
        List<LayerShape> layers = List.of(new LayerShape("a", 30, 50), new LayerShape("b", 7, 11));
        Random rnd = new Random(7);
        List<Contribution> cs = new ArrayList<>();
        for (int d = 0; d < 12; d++) {
            List<float[]> ls = new ArrayList<>();
            for (LayerShape s : layers) {
                float[] x = new float[s.size()];
                for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(5) - 2));
                ls.add(x);
            }
            cs.add(new Contribution(ls, new int[]{1 + d % 5, 1 + d % 3}, 1 + rnd.nextInt(5000)));
        }
        for (Fusion f : Fusion.values()) {
            FusionResult first = fuseAll(f, layers, cs, LARGE);
            List<Contribution> shuffled = new ArrayList<>(cs);
            for (int trial = 0; trial < 5; trial++) {
                Collections.shuffle(shuffled, new Random(trial));
                FusionResult again = fuseAll(f, layers, shuffled, LARGE);
                for (int l = 0; l < layers.size(); l++) {
                    assertArrayEquals(first.logits().get(l), again.logits().get(l), 0f, f + " logits");
                    assertArrayEquals(first.scores().get(l), again.scores().get(l), 0f, f + " scores");
                }
            }
        }
    }

    @Test
    void theTotalWeightDoesNotDependOnArrivalOrder() {
        // in plain double arithmetic (0.1 + 0.2) + 0.3 = 0.6000000000000001 but 0.3 + (0.2 + 0.1) = 0.6
        List<LayerShape> layers = List.of(new LayerShape("l", 1, 2));
        for (Fusion f : Fusion.values()) {
            double forward = fuseAll(f, layers, List.of(c(0.1, 1, 1, 2), c(0.2, 1, 3, 4), c(0.3, 1, 5, 6)), BOUNDS).totalWeight();
            double backward = fuseAll(f, layers, List.of(c(0.3, 1, 5, 6), c(0.2, 1, 3, 4), c(0.1, 1, 1, 2)), BOUNDS).totalWeight();
            assertEquals(forward, backward, 0.0, f.name());
            assertEquals(0.6, forward, 3 * 0x1p-48, f.name());       // each weight rounded to a multiple of 2^-47
        }
    }

    private static FusionResult fuseAll(Fusion f, List<LayerShape> layers, List<Contribution> cs, FoldBounds bounds) {
        Accumulator acc = FusionConfig.of(f).strategy().begin(layers, bounds);
        cs.forEach(acc::add);
        return acc.finish();
    }

    @Test
    void invalidContributionsAreRejectedAndLeaveTheAccumulatorUnchanged() {
        Accumulator acc = FusionConfig.defaults().strategy().begin(List.of(ROW4), BOUNDS);
        assertThrows(IllegalArgumentException.class, () -> acc.add(c(1, 2, 1, 2, 3)));            // wrong size
        assertThrows(IllegalArgumentException.class, () -> acc.add(c(1, 5, 1, 2, 3, 4)));         // k > n
        assertThrows(IllegalArgumentException.class, () -> acc.add(c(1, 0, 1, 2, 3, 4)));         // k < 1
        assertThrows(IllegalArgumentException.class, () -> acc.add(c(1, 2, 1, Float.NaN, 3, 4))); // NaN
        assertThrows(IllegalArgumentException.class, () -> c(0, 2, 1, 2, 3, 4));                  // weight 0
        assertEquals(0, acc.count());
        assertThrows(IllegalStateException.class, acc::finish);
        acc.add(c(1, 2, 1, 2, 3, 4));
        assertEquals(1, acc.count());
        assertFloats(new double[]{1, 2, 3, 4}, acc.finish().logits().get(0));
    }

    @Test
    void weightingIsTheSampleCountItsRootOrOneVote() {
        assertEquals(100.0, Weighting.SAMPLES.weight(100));
        assertEquals(10.0, Weighting.SQRT_SAMPLES.weight(100));
        assertEquals(3.0, Weighting.SQRT_SAMPLES.weight(9));
        assertThrows(IllegalArgumentException.class, () -> Weighting.SQRT_SAMPLES.weight(0));
        assertEquals(1.0, Weighting.EQUAL.weight(100));
        assertThrows(IllegalArgumentException.class, () -> Weighting.SAMPLES.weight(0));
        assertThrows(IllegalArgumentException.class, () -> Weighting.EQUAL.weight(0));
    }

    @Test
    void configValidationNamesTheField() {
        var e = assertThrows(IllegalArgumentException.class, () -> new FusionConfig(Fusion.RANK, 0.5, 1, ServerOptimizer.Config.none()));
        assertTrue(e.getMessage().contains("trimFraction"));
        e = assertThrows(IllegalArgumentException.class, () -> new ServerOptimizer.Config(ServerOptimizer.Kind.ADAM, 0, 0.9, 0.99, 1e-3));
        assertTrue(e.getMessage().contains("lr"));
    }

    @Test
    void inclusionCountsRankByFrequencyThenGlobalLogitAndReorderTheGlobalValues() {
        // masks [0,1,1,0] and [0,1,0,1]: frequencies 0, 1, .5, .5; the tie of 2 and 3 goes to the larger global logit (2)
        // ascending order 0, 3, 2, 1 -> ranks [0, 3, 2, 1]; sorted global values .1 .2 .3 .4 placed in that order
        float[] global = {0.4f, 0.3f, 0.2f, 0.1f};
        FusionResult mean = fuse(Fusion.MEAN, List.of(ROW4), c(2, 2, 0, 1, 1, 0), c(2, 2, 0, 1, 0, 1));
        FusionResult r = InclusionCounts.fuse(mean, List.of(global), List.of(ROW4));
        assertFloats(new double[]{0, 3, 2, 1}, r.scores().get(0));
        assertFloats(new double[]{0.1, 0.4, 0.3, 0.2}, r.logits().get(0));
        assertEquals(2, r.contributions());
        assertEquals(4.0, r.totalWeight());
    }

    /**
     * Per row, twice each value's rank by the definition (O(n^2), independent of the coordinator's sort): twice the
     * number of smaller values plus the number of other equal ones (-0 equal to +0).
     */
    static int[] twiceRanks(float[] x, int n) {
        int[] out = new int[x.length];
        for (int off = 0; off < x.length; off += n)
            for (int i = 0; i < n; i++) {
                int less = 0, equal = 0;
                for (int j = 0; j < n; j++) {
                    if (x[off + j] < x[off + i]) less++;
                    else if (x[off + j] == x[off + i] && j != i) equal++;
                }
                out[off + i] = 2 * less + equal;
            }
        return out;
    }

    /** Devices' logits on a coarse grid (many ties, as INT8 or FLOAT16 decoding makes), with -0 beside +0. */
    private static List<Contribution> tiedContributions(List<LayerShape> layers, int devices, Random rnd, boolean ranks) {
        List<Contribution> cs = new ArrayList<>();
        for (int d = 0; d < devices; d++) {
            List<float[]> ls = new ArrayList<>();
            List<int[]> rs = new ArrayList<>();
            for (LayerShape s : layers) {
                float[] x = new float[s.size()];
                for (int i = 0; i < x.length; i++) x[i] = rnd.nextInt(3) == 0 ? (rnd.nextBoolean() ? -0f : 0f) : (rnd.nextInt(15) - 7) * 0.37f;
                ls.add(x);
                rs.add(twiceRanks(x, s.n()));
            }
            cs.add(new Contribution(ls, new int[]{1, 1}, 1 + rnd.nextInt(7), ranks ? rs : List.of()));
        }
        return cs;
    }

    @Test
    void rankFromTheDevicesRanksIsBitForBitTheCoordinatorsOwnRanking() {
        List<LayerShape> layers = List.of(new LayerShape("a", 13, 40), new LayerShape("b", 5, 3));
        for (int seed = 0; seed < 4; seed++) {
            FusionResult own = fuseAll(Fusion.RANK, layers, tiedContributions(layers, 9, new Random(seed), false), BOUNDS);
            FusionResult sent = fuseAll(Fusion.RANK, layers, tiedContributions(layers, 9, new Random(seed), true), BOUNDS);
            for (int l = 0; l < layers.size(); l++) {
                assertArrayEquals(own.scores().get(l), sent.scores().get(l), 0f, "scores, layer " + l);
                assertArrayEquals(own.logits().get(l), sent.logits().get(l), 0f, "logits, layer " + l);
            }
        }
        // by hand: row [2, 0, 2, 1] has ranks [2.5, 0, 2.5, 1], sent as twice them
        Contribution c = new Contribution(List.<float[]>of(new float[]{2, 0, 2, 1}), new int[]{2}, 1, List.of(new int[]{5, 0, 5, 2}));
        assertFloats(new double[]{2.5, 0, 2.5, 1}, fuse(Fusion.RANK, List.of(ROW4), c).scores().get(0));
        // the ranks are not checked against the logits: these rank [1, 2, 0, 3] whatever the logits say
        Contribution other = new Contribution(List.<float[]>of(new float[]{2, 0, 2, 1}), new int[]{2}, 1, List.of(new int[]{2, 4, 0, 6}));
        assertFloats(new double[]{1, 2, 0, 3}, fuse(Fusion.RANK, List.of(ROW4), other).scores().get(0));
    }

    @Test
    void ranksThatDoNotLookLikeARankingOrABadLogitAreRefusedAndUndoWhatTheyAdded() {
        List<LayerShape> layers = List.of(new LayerShape("a", 3, 4), new LayerShape("b", 2, 4));
        List<Contribution> good = tiedContributions(layers, 3, new Random(11), true);
        FusionResult expected = fuseAll(Fusion.RANK, layers, good, BOUNDS);
        float[] a = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, b = {4, 3, 2, 1, 8, 7, 6, 5};
        int[] aRanks = {0, 2, 4, 6, 0, 2, 4, 6, 0, 2, 4, 6};
        // the first layer and the first row of the second are fine and folded before the fault is found; n = 4: twice-ranks
        // in [0, 6], sum 12, sum of squares at most 0 + 4 + 16 + 36 = 56
        int[][] badRanks = {
                {6, 4, 2, 0, 7, 4, 1, 0},       // out of range (sum 12, squares 66)
                {6, 4, 2, 0, -2, 6, 4, 4},      // negative (sum 12)
                {6, 4, 2, 0, 6, 4, 2, 2},       // sum 14
                {6, 4, 2, 0, 6, 6, 0, 0},       // spread: squares 72 > 56 (sum 12, all in range)
                {6, 4, 2, 0, 65542, 6, 4, 0}};  // beyond 2^16 (as no uint16 is, but the fold sees ints)
        InvalidContributionException.Problem[] problems = new InvalidContributionException.Problem[badRanks.length + 2];
        String[] messages = new String[badRanks.length];
        for (Fusion f : List.of(Fusion.RANK, Fusion.MEAN, Fusion.INCLUSION)) {
            Accumulator acc = FusionConfig.of(f).strategy().begin(layers, BOUNDS);
            good.subList(0, 2).forEach(acc::add);
            int p = 0;
            for (int[] bad : badRanks) {
                if (f != Fusion.RANK) continue;                                  // the other rules ignore ranks
                InvalidContributionException e = assertThrows(InvalidContributionException.class,
                        () -> acc.add(new Contribution(List.of(a, b), new int[]{1, 1}, 2, List.of(aRanks, bad))));
                messages[p] = e.getMessage();
                problems[p++] = e.problem();
            }
            float[] nan = b.clone(), big = b.clone();
            nan[6] = Float.NaN;
            big[5] = 1e6f;
            problems[p++] = assertThrows(InvalidContributionException.class,
                    () -> acc.add(new Contribution(List.of(a, nan), new int[]{1, 1}, 2, List.of(aRanks, new int[]{6, 4, 2, 0, 6, 4, 2, 0})))).problem();
            problems[p++] = assertThrows(InvalidContributionException.class, () -> acc.add(new Contribution(List.of(a, big), new int[]{1, 1}, 2))).problem();
            acc.add(good.get(2));
            FusionResult r = acc.finish();
            FusionResult same = fuseAll(f, layers, good, BOUNDS);
            for (int l = 0; l < layers.size(); l++) {
                assertArrayEquals(same.logits().get(l), r.logits().get(l), 0f, f + " logits after refusals, layer " + l);
                assertArrayEquals(same.scores().get(l), r.scores().get(l), 0f, f + " scores after refusals, layer " + l);
            }
            if (f == Fusion.RANK) {
                assertArrayEquals(expected.scores().get(1), r.scores().get(1), 0f);
                InvalidContributionException.Problem ranks = InvalidContributionException.Problem.ROW_RANKS;
                assertEquals(List.of(ranks, ranks, ranks, ranks, ranks, InvalidContributionException.Problem.NON_FINITE,
                        InvalidContributionException.Problem.OUT_OF_BOUNDS), List.of(problems));
                assertTrue(messages[0].contains("layer b: row 1") && messages[0].contains("outside [0, 6]"), messages[0]);
                assertTrue(messages[2].contains("sum to 14"), messages[2]);
                assertTrue(messages[3].contains("sum of squares 72 > 56"), messages[3]);
            }
        }
        // a wrong number of ranks is a shape error, before anything is folded
        Accumulator acc = FusionConfig.of(Fusion.RANK).strategy().begin(layers, BOUNDS);
        assertEquals(InvalidContributionException.Problem.SHAPE, assertThrows(InvalidContributionException.class,
                () -> acc.add(new Contribution(List.of(a, b), new int[]{1, 1}, 2, List.of(aRanks, new int[]{6, 4, 2, 0})))).problem());
        assertEquals(0, acc.count());
    }

    @Test
    void theFoldsBoundsAreEnforced() {
        Accumulator acc = FusionConfig.of(Fusion.MEAN).strategy().begin(List.of(ROW4), FoldBounds.of(1, 2));
        assertEquals(InvalidContributionException.Problem.OUT_OF_BOUNDS,
                assertThrows(InvalidContributionException.class, () -> acc.add(c(3, 2, 1, 2, 3, 4))).problem());   // weight
        acc.add(c(2, 2, 1, 2, 3, 4));
        assertThrows(InvalidContributionException.class, () -> acc.add(c(1, 2, 1, 2, 3, 4)));                      // a second
        assertFloats(new double[]{1, 2, 3, 4}, acc.finish().logits().get(0));
    }
}
