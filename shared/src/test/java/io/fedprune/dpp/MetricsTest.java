package io.fedprune.dpp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class MetricsTest {
    private static final MaskSpec N2K1 = MaskSpec.ofK("a", Granularity.WEIGHT, new int[]{1, 2}, 1);

    @Test
    void confidenceOfHandComputedCases() {
        // equal logits: p = (1/2, 1/2), H = log 2 = log n -> confidence 0
        assertEquals(0.0, Metrics.confidence(new float[]{0.3f, 0.3f}, N2K1), 1e-9);
        // p = (3/4, 1/4): 1 - exp(-a) = 3/4 -> a = ln 4, b = ln 4/3, D1 - D2 = ln(a / b);
        // H = -(0.75 ln 0.75 + 0.25 ln 0.25) = 0.562335, normalised by ln 2 (k = 1: ln k = 0) -> 0.811278
        float d1 = (float) Math.log(Math.log(4) / Math.log(4.0 / 3));
        assertArrayEquals(new double[]{0.75, 0.25}, Metrics.inclusionProbabilities(new float[]{d1, 0}, N2K1), 1e-6);
        assertEquals(1 - 0.811278, Metrics.confidence(new float[]{d1, 0}, N2K1), 1e-5);
        // mean over groups: second group certain-ish (logit gap 40 -> p = (1, ~0))
        MaskSpec two = MaskSpec.ofK("a", Granularity.WEIGHT, new int[]{2, 2}, 1);
        assertEquals((0.0 + 1.0) / 2, Metrics.confidence(new float[]{0, 0, 20, -20}, two), 1e-6);
        // n = 4, k = 2, logits (big, big, small, small): p ~ (1, 1, 0, 0) -> H = log 2 = log k -> confidence 1
        MaskSpec n4k2 = MaskSpec.ofK("a", Granularity.WEIGHT, new int[]{1, 4}, 2);
        assertEquals(1.0, Metrics.confidence(new float[]{30, 30, -30, -30}, n4k2), 1e-6);
        assertEquals(0.0, Metrics.confidence(new float[]{1, 1, 1, 1}, n4k2), 1e-9);
        // k = n: certain
        assertEquals(1.0, Metrics.confidence(new float[]{1, 2}, MaskSpec.ofK("a", Granularity.WEIGHT, new int[]{1, 2}, 2)));
    }

    @Test
    void inclusionProbabilitiesApproximatePlackettLuce() {
        // Rosen's approximation against the exact inclusion probabilities (enumerated ordered pairs)
        double[] d = {1.2, 0.5, 0.0, -0.4, -1.5};
        double[][] pairs = SamplerTest.pairProbabilities(d);
        MaskSpec s = MaskSpec.ofK("pl", Granularity.WEIGHT, new int[]{1, 5}, 2);
        float[] logits = new float[5];
        for (int i = 0; i < 5; i++) logits[i] = (float) d[i];
        double[] p = Metrics.inclusionProbabilities(logits, s);
        double sum = 0;
        for (int i = 0; i < 5; i++) {
            double exact = 0;
            for (int j = 0; j < 5; j++) if (j != i) exact += pairs[Math.min(i, j)][Math.max(i, j)];
            assertEquals(exact, p[i], 0.025, "candidate " + i);   // 0.788 / 0.541 / 0.349 / 0.240 / 0.082 exact
            sum += p[i];
        }
        assertEquals(2.0, sum, 1e-6);
    }

    @Test
    void diversityOfHandComputedCases() {
        MaskSpec s = MaskSpec.ofK("a", Granularity.WEIGHT, new int[]{2, 4}, 2);
        // both groups pick {0, 1}: f = (1, 1, 0, 0), q = (1/2, 1/2, 0, 0), H = log 2 = log k -> 0
        assertEquals(0.0, Metrics.diversity(new float[]{1, 1, 0, 0, 1, 1, 0, 0}, s), 1e-12);
        // groups pick {0, 1} and {2, 3}: q uniform, H = log 4 = log n -> 1
        assertEquals(1.0, Metrics.diversity(new float[]{1, 1, 0, 0, 0, 0, 1, 1}, s), 1e-12);
        // {0, 1} and {0, 2}: f = (1, 1/2, 1/2, 0), q = (1/2, 1/4, 1/4, 0), H = 1.5 log 2 -> (1.5 - 1) / (2 - 1) = 0.5
        assertEquals(0.5, Metrics.diversity(new float[]{1, 1, 0, 0, 1, 0, 1, 0}, s), 1e-12);
        // a single group (FILTER) is always 0
        MaskSpec f = MaskSpec.ofK("f", Granularity.FILTER, new int[]{4, 3}, 2);
        assertEquals(0.0, Metrics.diversity(new float[]{0, 1, 1, 0}, f), 1e-12);
    }

    @Test
    void jaccardOfHandComputedCases() {
        assertEquals(1.0 / 3, Metrics.jaccard(new float[]{1, 1, 0, 0}, new float[]{0, 1, 1, 0}), 1e-12);
        assertEquals(1.0, Metrics.jaccard(new float[]{1, 0, 1}, new float[]{1, 0, 1}));
        assertEquals(0.0, Metrics.jaccard(new float[]{1, 0}, new float[]{0, 1}));
        assertEquals(1.0, Metrics.jaccard(new float[]{0, 0}, new float[]{0, 0}));
        assertThrows(IllegalArgumentException.class, () -> Metrics.jaccard(new float[1], new float[2]));
    }

    private static java.util.BitSet bits(int... set) {
        java.util.BitSet b = new java.util.BitSet();
        for (int i : set) b.set(i);
        return b;
    }

    @Test
    void jaccardOfBitSetsByHand() {
        assertEquals(1.0 / 3, Metrics.jaccard(bits(0, 1), bits(1, 2)), 1e-12);     // {1} / {0,1,2}
        assertEquals(0.5, Metrics.jaccard(bits(0, 1, 2, 3), bits(2, 3)), 1e-12);  // {2,3} / {0,1,2,3}
        assertEquals(1.0, Metrics.jaccard(bits(), bits()));
        assertEquals(0.0, Metrics.jaccard(bits(0), bits(5)));
    }

    @Test
    void meanPairwiseJaccardAveragesEveryPair() {
        // pairs: (a,b) = 1/3, (a,c) = 2/2 = 1, (b,c) = 1/3 -> mean 5/9
        java.util.BitSet a = bits(0, 1), b = bits(1, 2), c = bits(0, 1);
        assertEquals(5.0 / 9, Metrics.meanPairwiseJaccard(java.util.List.of(a, b, c)), 1e-12);
        assertEquals(1.0, Metrics.meanPairwiseJaccard(java.util.List.of(a)));
        assertEquals(1.0, Metrics.meanPairwiseJaccard(java.util.List.of()));
    }

    @Test
    void relativeChangeIsTheNormOfTheDifferenceOverTheNormOfTheStart() {
        // a = (3, 4 | 0), b = (3, 4 | 5): ||b - a|| = 5, ||a|| = 5 -> 1
        java.util.List<float[]> a = java.util.List.of(new float[]{3, 4}, new float[]{0});
        java.util.List<float[]> b = java.util.List.of(new float[]{3, 4}, new float[]{5});
        assertEquals(1.0, Metrics.relativeChange(a, b), 1e-12);
        assertEquals(0.0, Metrics.relativeChange(a, a));
        // from all zeros: the plain norm, sqrt(1 + 4)
        assertEquals(Math.sqrt(5), Metrics.relativeChange(java.util.List.of(new float[]{0, 0}), java.util.List.of(new float[]{1, 2})), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Metrics.relativeChange(a, java.util.List.of(new float[]{1, 2})));
    }
}
