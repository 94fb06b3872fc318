package io.fedprune.dpp;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class MasksTest {

    static List<MaskSpec> specs() {
        List<MaskSpec> l = new ArrayList<>();
        int[][] dense = {{30, 20}, {100, 300}, {300, 784}, {10, 100}, {1, 7}};
        int[][] conv = {{8, 3, 5, 5}, {20, 1, 5, 5}, {50, 20, 5, 5}, {16, 6, 3, 3}};
        for (int[] s : dense) {
            for (double keep : new double[]{0.02, 0.1, 0.5, 1.0}) {
                l.add(MaskSpec.ofKeep("d", Granularity.WEIGHT, s, keep));
                l.add(MaskSpec.ofKeep("d", Granularity.FILTER, s, keep));
            }
            if (s[1] % 4 == 0) {
                l.add(MaskSpec.tile("d", s, 2, 4));
                l.add(MaskSpec.tile("d", s, 1, 4));
            }
        }
        for (int[] s : conv) {
            for (double keep : new double[]{0.05, 0.34, 1.0}) {
                l.add(MaskSpec.ofKeep("c", Granularity.WEIGHT, s, keep));
                l.add(MaskSpec.ofKeep("c", Granularity.KERNEL, s, keep));
                l.add(MaskSpec.ofKeep("c", Granularity.FILTER, s, keep));
            }
            l.add(MaskSpec.tile("c", s, 2, s[2] * s[3]));
        }
        return l;
    }

    static float[] gaussian(int size, long seed, double scale) {
        Random r = new Random(seed);
        float[] a = new float[size];
        for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextGaussian() * scale);
        return a;
    }

    @Test
    void everyMaskSampledOrExtractedKeepsExactlyKPerGroup() {
        for (MaskSpec s : specs()) {
            float[] w = gaussian(s.size(), 1, 0.1);
            assertTrue(Masks.isKOfN(Masks.topK(gaussian(s.candidates(), 2, 1), s), s), "topK " + s);
            assertTrue(Masks.isKOfN(Masks.magnitude(w, s), s), "magnitude " + s);
            assertTrue(Masks.isKOfN(Masks.random(s, 3), s), "random " + s);
            for (boolean vec : new boolean[]{false, true}) {
                for (int threads = 1; threads <= 2; threads++) {
                    DppConfig cfg = DppConfig.defaults().withVectorized(vec).withThreads(threads);
                    DppLayer layer = new DppLayer(s, Logits.fromWeights(w, s), cfg, 4);
                    float[] weff = new float[s.size()];
                    for (int step = 0; step < 2; step++) {
                        layer.forward(w, weff, 1f);
                        float[] gm = layer.lastGroupMask();
                        assertTrue(Masks.isKOfN(gm, s), "sampled " + s + " vec=" + vec + " threads=" + threads);
                        float[] m = layer.lastMask();
                        assertArrayEquals(s.expand(gm), m);
                        for (int i = 0; i < w.length; i++) assertEquals(w[i] * m[i], weff[i], "weff " + s);
                        float[] m2 = new float[s.size()];
                        layer.lastMask(m2);
                        assertArrayEquals(m, m2);
                        layer.backward(w, gaussian(s.size(), 10 + step, 1), 1f);
                    }
                    assertTrue(Masks.isKOfN(layer.finalGroupMask(), s), "final " + s);
                }
            }
        }
    }

    @Test
    void topKBreaksTiesByLowerIndexAndRanksNaNLowest() {
        MaskSpec s = MaskSpec.ofK("t", Granularity.WEIGHT, new int[]{3, 5}, 2);
        float[] scores = {1, 2, 2, 2, 0,   5, 5, 5, 5, 5,   Float.NaN, 1, Float.NaN, 0, -1};
        assertArrayEquals(new float[]{0, 1, 1, 0, 0,   1, 1, 0, 0, 0,   0, 1, 0, 1, 0}, Masks.topK(scores, s));
    }

    @Test
    void magnitudeKeepsLargestCandidatesByNorm() {
        // conv [1 cout, 3 cin, 1, 2], KERNEL k=1: kernel norms sqrt(1+1), sqrt(0+4), sqrt(1.5^2+1.5^2)
        MaskSpec s = MaskSpec.ofK("c", Granularity.KERNEL, new int[]{1, 3, 1, 2}, 1);
        float[] w = {1, -1, 0, -2, 1.5f, 1.5f};
        assertArrayEquals(new float[]{0, 0, 1}, Masks.magnitude(w, s));
        assertArrayEquals(new float[]{(float) Math.sqrt(2), 2, (float) Math.sqrt(4.5)}, Logits.candidateNorms(w, s), 1e-6f);
        // z-score per group: values 1, 2, 3 -> mean 2, population std sqrt(2/3)
        MaskSpec d = MaskSpec.ofK("d", Granularity.WEIGHT, new int[]{1, 3}, 1);
        float z = (float) (2 / Math.sqrt(2.0 / 3));
        assertArrayEquals(new float[]{-z, 0, z}, Logits.fromWeights(new float[]{1, -2, 3}, d), 1e-6f);
        assertArrayEquals(new float[]{0, 0, 0}, Logits.fromWeights(new float[]{1, -1, 1}, d), 0f);
    }

    @Test
    void randomBaselineIsSeeded() {
        MaskSpec s = MaskSpec.ofK("d", Granularity.WEIGHT, new int[]{50, 40}, 4);
        assertArrayEquals(Masks.random(s, 7), Masks.random(s, 7));
        assertFalse(java.util.Arrays.equals(Masks.random(s, 7), Masks.random(s, 8)));
    }

    @Test
    void topKBitsConcatenatesTheLayersTopKMasks() {
        // layer a: 1 group of 3, k = 1 -> candidate 2 (score 9); layer b: 2 groups of 2, k = 1 -> candidates 0 and 3
        MaskSpec a = MaskSpec.ofK("a", Granularity.FILTER, new int[]{3, 1}, 1);
        MaskSpec b = MaskSpec.ofK("b", Granularity.WEIGHT, new int[]{2, 2}, 1);
        java.util.BitSet bits = Masks.topKBits(List.of(new float[]{1, 5, 9}, new float[]{4, 2, 0, 7}), List.of(a, b));
        java.util.BitSet expected = new java.util.BitSet();
        expected.set(2);          // layer a, offset 0
        expected.set(3 + 0);      // layer b, offset 3, group 0 keeps candidate 0
        expected.set(3 + 3);      // group 1 keeps candidate 1 (flat 3)
        assertEquals(expected, bits);
    }
}
