package io.fedprune.dpp;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** The vectorised kernels against the scalar reference path, kernel by kernel and through a whole layer. */
class KernelAgreementTest {
    static RowKernels vec, ref;

    @BeforeAll
    static void kernels() {
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(), "tests run with --add-modules jdk.incubator.vector");
        vec = RowKernels.select(true);
        ref = RowKernels.select(false);
        assertTrue(vec.vectorized(), "VectorKernels loaded");
        assertFalse(ref.vectorized());
    }

    static void assertRelClose(float[] expected, float[] actual, double relTol, String what) {
        double[] e = new double[expected.length];
        for (int i = 0; i < e.length; i++) e[i] = expected[i];
        RelaxTest.assertClose(e, actual, relTol, what);
    }

    @Test
    void noiseIsTheSameStream() {
        float[] d = MasksTest.gaussian(1003, 1, 1), a = new float[1003], b = new float[1003];
        long key = Gumbel.streamKey(9, 3);
        ref.perturb(d, a, 5, 1003, key, 1.5f);
        vec.perturb(d, b, 5, 1003, key, 1.5f);
        for (int i = 0; i < 1003; i++) assertEquals(a[i], b[i], 2e-6f * (1 + Math.abs(a[i])), "key " + i);
    }

    @Test
    void topKGivesTheSameMasksAndStats() {
        for (int n : new int[]{32, 37, 100, 300, 784}) {
            int rows = 40;
            float[] keys = MasksTest.gaussian(rows * n, n, 2);
            for (int i = 0; i < n; i++) keys[3 * n + i] = 0.5f;                  // a row of ties: scalar fallback
            keys[5 * n + 1] = Float.NaN;                                          // NaN ranks lowest
            for (int k : new int[]{1, 2, n / 10 + 1, n / 2, n - 1, n}) {
                float[] ma = new float[rows * n], mb = new float[rows * n], sa = new float[2 * rows], sb = new float[2 * rows];
                RowKernels.Scratch s = new RowKernels.Scratch(n, k, 16, 32);
                for (int r = 0; r < rows; r++) {
                    ref.topK(keys, r * n, n, k, ma, s, sa, 2 * r);
                    vec.topK(keys, r * n, n, k, mb, s, sb, 2 * r);
                }
                assertArrayEquals(ma, mb, "masks n=" + n + " k=" + k);
                assertArrayEquals(sa, sb, "stats n=" + n + " k=" + k);
            }
        }
    }

    @Test
    void exactGradientsAgree() {
        for (int[] nk : new int[][]{{784, 16}, {300, 6}, {100, 25}, {37, 5}, {40, 32}}) {
            int n = nk[0], k = nk[1];
            float[] keys = MasksTest.gaussian(3 * n, n, 2), g = MasksTest.gaussian(3 * n, k, 1);
            RowKernels.Scratch s = new RowKernels.Scratch(n, k, 16, 32);
            for (float T : new float[]{5f, 1f, 0.5f}) {
                float[] a = g.clone(), b = g.clone();
                for (int r = 0; r < 3; r++) {
                    ref.exactGrad(keys, r * n, n, k, 1 / T, a, s);
                    vec.exactGrad(keys, r * n, n, k, 1 / T, b, s);
                }
                assertRelClose(a, b, 2e-3, "exact n=" + n + " k=" + k + " T=" + T);
            }
        }
    }

    @Test
    void continuousLimitGradientsAgree() {
        for (int[] nk : new int[][]{{784, 79}, {784, 196}, {300, 75}, {100, 40}, {37, 33}}) {
            int n = nk[0], k = nk[1];
            float[] keys = MasksTest.gaussian(3 * n, n, 2), g = MasksTest.gaussian(3 * n, k, 1);
            float[] st = new float[6], mask = new float[3 * n];
            RowKernels.Scratch s = new RowKernels.Scratch(n, k, 16, 32);
            for (int r = 0; r < 3; r++) ref.topK(keys, r * n, n, k, mask, s, st, 2 * r);
            for (float T : new float[]{5f, 1f, 0.5f}) {
                float[] a = g.clone(), b = g.clone();
                for (int r = 0; r < 3; r++) {
                    float tau0 = 0.5f * (st[2 * r] + st[2 * r + 1]) / T;
                    ref.limitGrad(keys, r * n, n, k, 1 / T, tau0, 20, a, s);
                    vec.limitGrad(keys, r * n, n, k, 1 / T, tau0, 20, b, s);
                }
                // both stop Newton at |sum m - k| < 1e-3 k, possibly after different numbers of steps
                assertRelClose(a, b, 1e-2, "limit n=" + n + " k=" + k + " T=" + T);
                assertTrue(RelaxTest.cosine(a, b) > 0.9999, "cosine n=" + n + " k=" + k + " T=" + T);
            }
        }
    }

    @Test
    void entropyGradientsAndAdamAgree() {
        int n = 301;
        float[] d = MasksTest.gaussian(n, 3, 2), g0 = MasksTest.gaussian(n, 4, 0.01);
        RowKernels.Scratch s = new RowKernels.Scratch(n, 3, 16, 32);
        float[] a = g0.clone(), b = g0.clone();
        ref.addEntropyGrad(d, 0, n, 0.3f, a, s);
        vec.addEntropyGrad(d, 0, n, 0.3f, b, s);
        assertRelClose(a, b, 1e-5, "entropy");
        float[] pa = d.clone(), pb = d.clone(), ma = new float[n], mb = new float[n], va = new float[n], vb = new float[n];
        for (int t = 1; t <= 5; t++) {
            float[] g = MasksTest.gaussian(n, 10 + t, 1);
            ref.adam(pa, g, ma, va, 1, n, DppConfig.defaults(), t);
            vec.adam(pb, g, mb, vb, 1, n, DppConfig.defaults(), t);
        }
        assertArrayEquals(pa, pb, 1e-5f);
        assertArrayEquals(ma, mb, 1e-6f);
    }

    @Test
    void wholeLayerTrainsTheSameOnBothPaths() {
        for (double keep : new double[]{0.02, 0.1}) {        // exact (k = 16) and continuous limit (k = 79)
            MaskSpec s = MaskSpec.ofKeep("fc1", Granularity.WEIGHT, new int[]{60, 784}, keep);
            float[] w = MasksTest.gaussian(s.size(), 1, 0.05), weff = new float[s.size()];
            DppLayer a = new DppLayer(s, Logits.fromWeights(w, s), DppConfig.defaults().withVectorized(false), 11);
            DppLayer b = new DppLayer(s, Logits.fromWeights(w, s), DppConfig.defaults().withThreads(2), 11);
            assertTrue(b.vectorized());
            int same = 0;
            for (int t = 0; t < 5; t++) {
                a.forward(w, weff, 2f);
                b.forward(w, weff, 2f);
                if (Arrays.equals(a.lastGroupMask(), b.lastGroupMask())) same++;
                float[] gw = MasksTest.gaussian(s.size(), 50 + t, 1);
                a.backward(w, gw, 2f);
                b.backward(w, gw, 2f);
            }
            assertEquals(5, same, "identical sampled masks, keep " + keep);
            // Adam normalises the step, so logits differ by at most lr-scale amounts where gradients are near 0
            float[] la = a.logits(), lb = b.logits();
            int far = 0;
            for (int i = 0; i < la.length; i++) if (Math.abs(la[i] - lb[i]) > 1e-3) far++;
            assertTrue(far < la.length / 200, far + " of " + la.length + " logits differ by more than 1e-3, keep " + keep);
        }
    }
}
