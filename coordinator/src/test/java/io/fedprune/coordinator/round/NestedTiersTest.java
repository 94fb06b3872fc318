package io.fedprune.coordinator.round;

import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.MaskSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The nested order and the tier factors, by hand on one group of 4 candidates (tiers k = 1 and k = 2). */
class NestedTiersTest {
    private static final int[] SHAPE = {1, 4};
    private static final List<MaskSpec> QUARTER = List.of(MaskSpec.ofKeep("fc", Granularity.WEIGHT, SHAPE, 0.25));
    private static final List<MaskSpec> HALF = List.of(MaskSpec.ofKeep("fc", Granularity.WEIGHT, SHAPE, 0.5));

    private static NestedTiers nested(double p) {
        return new NestedTiers(List.of(QUARTER, HALF), p);
    }

    @Test
    void eachTierAddsItsBestOfTheRestAndTheValuesFollowTheOrder() {
        // tier k=1 keeps candidate 1 (0.9); tier k=2 adds the best of {0, 2, 3} by its scores: 0 (0.8, not 1's 0.95);
        // the rest {2, 3} by the plain scores: 2 (3) before 3 (2). Order 1, 0, 2, 3: scores n - position = 4, 3, 2, 1
        NestedTiers.Nested n = nested(1).nest(
                List.of(List.of(new float[]{0.1f, 0.9f, 0.5f, 0.3f}), List.of(new float[]{0.8f, 0.95f, 0.7f, 0.2f})),
                List.of(new float[]{0, 1, 3, 2}), List.of(new float[]{-1, 2, 0.5f, 7}));
        assertArrayEquals(new float[]{3, 4, 2, 1}, n.scores().get(0), 0f);
        // the plain values 7 > 2 > 0.5 > -1 in that order: 1 gets 7, 0 gets 2, 2 gets 0.5, 3 gets -1
        assertArrayEquals(new float[]{2, 7, 0.5f, -1}, n.logits().get(0), 0f);
    }

    @Test
    void tiesGoToTheLowerIndexAsInTheCut() {
        NestedTiers.Nested n = nested(1).nest(
                List.of(List.of(new float[]{0.5f, 0.5f, 0.1f, 0.1f}), List.of(new float[]{0, 0, 1, 1})),
                List.of(new float[]{0, 0, 0, 0}), List.of(new float[]{1, 1, 1, 1}));
        // k=1: candidate 0 (tied with 1); k=2 adds 2 (tied with 3); the rest all tied: 1, then 3
        assertArrayEquals(new float[]{4, 2, 3, 1}, n.scores().get(0), 0f);
    }

    @Test
    void everyGroupOfEveryLayerIsNestedOnItsOwn() {
        // two groups of 4: the second group's tier scores reverse the first's
        List<MaskSpec> q = List.of(MaskSpec.ofKeep("fc", Granularity.WEIGHT, new int[]{2, 4}, 0.25));
        List<MaskSpec> h = List.of(MaskSpec.ofKeep("fc", Granularity.WEIGHT, new int[]{2, 4}, 0.5));
        NestedTiers.Nested n = new NestedTiers(List.of(q, h), 2).nest(
                List.of(List.of(new float[]{4, 3, 2, 1, 1, 2, 3, 4}), List.of(new float[]{0, 0, 0, 5, 5, 0, 0, 0})),
                List.of(new float[8]), List.of(new float[]{0, 1, 2, 3, 0, 1, 2, 3}));
        // group 0: 0, then 3, then 1, 2; group 1: 7, then 4, then 5, 6
        assertArrayEquals(new float[]{4, 2, 1, 3, 3, 2, 1, 4}, n.scores().get(0), 0f);
        assertArrayEquals(new float[]{3, 1, 0, 2, 2, 1, 0, 3}, n.logits().get(0), 0f);
    }

    @Test
    void theOrderIsFloatComparesDescendingWithTiesToTheLowerIndex() {
        // random groups of 16 with ties, -0 and +0, NaN and infinities, against a comparator sort of boxed indices
        java.util.Random r = new java.util.Random(3);
        float[] pool = {0f, -0f, 1f, -1f, 0.5f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 2f, -2f};
        int n = 16, groups = 50;
        int[] shape = {groups, n};
        List<MaskSpec> a = List.of(MaskSpec.ofK("fc", Granularity.WEIGHT, shape, 3)), b = List.of(MaskSpec.ofK("fc", Granularity.WEIGHT, shape, 7));
        float[][] by = new float[3][groups * n];
        for (float[] s : by) for (int i = 0; i < s.length; i++) s[i] = pool[r.nextInt(pool.length)];
        float[] values = new float[groups * n];
        for (int i = 0; i < values.length; i++) values[i] = i;
        NestedTiers.Nested got = new NestedTiers(List.of(a, b), 1).nest(List.of(List.of(by[0]), List.of(by[1])), List.of(by[2]), List.of(values));
        int[] k = {3, 7, n};
        for (int g = 0; g < groups; g++) {
            int off = g * n, pos = 0;
            boolean[] picked = new boolean[n];
            for (int t = 0; t < 3; t++) {
                float[] sc = by[t];
                Integer[] idx = new Integer[n];
                for (int i = 0; i < n; i++) idx[i] = i;
                java.util.Arrays.sort(idx, (x, y) -> {
                    int c = Float.compare(sc[off + y], sc[off + x]);
                    return c != 0 ? c : Integer.compare(x, y);
                });
                for (int j = 0; j < n && pos < k[t]; j++) {
                    if (picked[idx[j]]) continue;
                    picked[idx[j]] = true;
                    assertEquals(n - pos, got.scores().get(0)[off + idx[j]], "group " + g + " position " + pos);
                    pos++;
                }
            }
        }
    }

    @Test
    void aDevicesFactorIsTheRatioOfTheKeptFractionsToThePowerP() {
        // f = 1/4 for the quarter tier, 2/4 for the half tier
        assertArrayEquals(new double[]{1, 0.25}, nested(2).factors(QUARTER), 1e-12);      // (0.25 / 0.5)^2
        List<MaskSpec> all = List.of(MaskSpec.ofK("fc", Granularity.WEIGHT, SHAPE, 4));    // f = 1
        assertArrayEquals(new double[]{0.0625, 0.25}, nested(2).factors(all), 1e-12);      // 0.25^2, 0.5^2
        assertArrayEquals(new double[]{0.25, 0.5}, nested(1).factors(all), 1e-12);
    }

    @Test
    void theKeptFractionCountsEveryCandidateOfEveryLayer() {
        // [2, 4] keeping 1 per row (2 of 8) and [1, 8] keeping 4 (4 of 8): 6 of 16
        assertEquals(0.375, NestedTiers.keptFraction(List.of(MaskSpec.ofK("a", Granularity.WEIGHT, new int[]{2, 4}, 1),
                MaskSpec.ofK("b", Granularity.WEIGHT, new int[]{1, 8}, 4))), 1e-12);
    }

    @Test
    void tiersThatDoNotGrowOrANonPositiveExponentAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new NestedTiers(List.of(HALF, QUARTER), 1));
        assertThrows(IllegalArgumentException.class, () -> nested(0));
        assertThrows(IllegalArgumentException.class, () -> nested(Double.NaN));
    }
}
