package io.fedprune.dpp;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The vectorised kernels against the scalar kernels (the same bits, kernel by kernel and through a whole layer) and
 * both against the double-precision reference {@link Relax} (accuracy).
 */
class KernelAgreementTest {
    static RowKernels vec, ref;

    /** Row lengths: multiples of 16 and ragged ones (tails, pads). */
    static final int[][] EXACT_NK = {{784, 16}, {300, 6}, {100, 25}, {37, 5}, {40, 32}, {33, 1}};
    static final int[][] LIMIT_NK = {{784, 79}, {784, 196}, {300, 75}, {100, 40}, {37, 33}, {17, 2}};

    @BeforeAll
    static void kernels() {
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(), "tests run with --add-modules jdk.incubator.vector");
        vec = RowKernels.select(true);
        ref = RowKernels.select(false);
        assertTrue(vec.vectorized(), "VectorKernels loaded");
        assertFalse(ref.vectorized());
    }

    static void assertRelClose(double[] expected, float[] actual, double relTol, String what) {
        RelaxTest.assertClose(expected, actual, relTol, what);
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    /** Bitwise equality (JUnit compares floats by {@code floatToIntBits}), with the first difference in the message. */
    static void assertSameBits(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++)
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i]))
                fail(what + ": first difference at " + i + ": " + expected[i] + " vs " + actual[i]);
        assertArrayEquals(expected, actual, what);
    }

    // ------------------------------------------------------------------ vector == scalar, bit for bit

    @Test
    void noiseIsTheSameStream() {
        float[] d = MasksTest.gaussian(1003, 1, 1), a = new float[1003], b = new float[1003];
        for (long draw = 0; draw < 20; draw++) {
            long key = Gumbel.streamKey(9, draw);
            ref.perturb(d, a, 5, 1003, key, 1.5f);
            vec.perturb(d, b, 5, 1003, key, 1.5f);
            assertSameBits(a, b, "keys, draw " + draw);
        }
        for (int i = 5; i < 1003; i++) assertEquals(d[i] + 1.5f * Gumbel.gumbel(Gumbel.streamKey(9, 19), i), a[i]);
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
                RowKernels.Scratch s = new RowKernels.Scratch(n, k, 32);
                for (int r = 0; r < rows; r++) {
                    ref.topK(keys, r * n, n, k, ma, s, sa, 2 * r);
                    vec.topK(keys, r * n, n, k, mb, s, sb, 2 * r);
                }
                assertArrayEquals(ma, mb, "masks n=" + n + " k=" + k);
                assertArrayEquals(sa, sb, "stats n=" + n + " k=" + k);
                // a second draw: the vector kernel starts its search from the thresholds left in the stats
                float[] next = keys.clone();
                for (int i = 0; i < next.length; i++) next[i] += 0.3f * (float) Math.sin(7.0 * i);
                for (int r = 0; r < rows; r++) {
                    ref.topK(next, r * n, n, k, ma, s, sa, 2 * r);
                    vec.topK(next, r * n, n, k, mb, s, sb, 2 * r);
                }
                assertArrayEquals(ma, mb, "masks, second draw, n=" + n + " k=" + k);
                assertArrayEquals(sa, sb, "stats, second draw, n=" + n + " k=" + k);
            }
        }
    }

    @Test
    void expandAndReduceAreTheSame() {
        for (int e : new int[]{1, 25}) {
            int c = 301;
            float[] w = MasksTest.gaussian(c * e, 1, 1), gw = MasksTest.gaussian(c * e, 2, 1), mask = new float[c];
            for (int i = 0; i < c; i += 3) mask[i] = 1f;
            float[] wa = new float[c * e], wb = new float[c * e], ga = new float[c], gb = new float[c];
            ref.expandMul(w, mask, 3, c, e, wa);
            vec.expandMul(w, mask, 3, c, e, wb);
            assertSameBits(wa, wb, "expandMul e=" + e);
            ref.reduceMul(gw, w, 3, c, e, ga);
            vec.reduceMul(gw, w, 3, c, e, gb);
            assertSameBits(ga, gb, "reduceMul e=" + e);
        }
    }

    @Test
    void exactGradientsAreTheSameAndMatchTheReference() {
        for (int[] nk : EXACT_NK) {
            int n = nk[0], k = nk[1];
            float[] keys = MasksTest.gaussian(3 * n, n, 2), g = MasksTest.gaussian(3 * n, k, 1);
            RowKernels.Scratch s = new RowKernels.Scratch(n, k, 32);
            for (float T : new float[]{5f, 1f, 0.5f, 0.1f}) {                     // T = 0.1: stages clip (S_j < 1)
                float[] expected = new float[3 * n], a = g.clone(), b = g.clone();
                for (int r = 0; r < 3; r++) {
                    Relax.exactGrad(keys, r * n, n, k, 1 / T, g, r * n, expected, r * n, new double[Relax.exactScratch(n, k)]);
                    ref.exactGrad(keys, r * n, n, k, 1 / T, a, s);
                    vec.exactGrad(keys, r * n, n, k, 1 / T, b, s);
                }
                String what = "exact n=" + n + " k=" + k + " T=" + T;
                assertSameBits(a, b, what);
                if (T >= 0.5f) assertRelClose(toDouble(expected), b, 2e-3, what);
            }
        }
    }

    @Test
    void continuousLimitGradientsAreTheSameAndMatchTheReference() {
        for (int[] nk : LIMIT_NK) {
            int n = nk[0], k = nk[1];
            float[] keys = MasksTest.gaussian(3 * n, n, 2), g = MasksTest.gaussian(3 * n, k, 1);
            float[] st = stats(keys, n, k);
            RowKernels.Scratch s = new RowKernels.Scratch(n, k, 32);
            for (float T : new float[]{5f, 1f, 0.5f, 0.1f}) {
                float[] expected = new float[3 * n], a = g.clone(), b = g.clone();
                for (int r = 0; r < 3; r++) {
                    float tau0 = 0.5f * (st[2 * r] + st[2 * r + 1]) / T;
                    Relax.limitGrad(keys, r * n, n, k, 1 / T, tau0, 20, 1e-3, g, r * n, expected, r * n, new double[n]);
                    ref.limitGrad(keys, r * n, n, k, 1 / T, tau0, 20, a, s);
                    vec.limitGrad(keys, r * n, n, k, 1 / T, tau0, 20, b, s);
                }
                String what = "limit n=" + n + " k=" + k + " T=" + T;
                assertSameBits(a, b, what);
                if (T < 0.5f) continue;
                // float and double stop Newton at |sum m - k| < 1e-3 k, possibly after different numbers of steps
                assertRelClose(toDouble(expected), b, 1e-2, what);
                assertTrue(RelaxTest.cosine(expected, b) > 0.9999, "cosine " + what);
            }
        }
    }

    @Test
    void entropyGradientsAndAdamAreTheSame() {
        for (int n : new int[]{301, 784, 33}) {
            float[] d = MasksTest.gaussian(2 * n, 3, 2), g0 = MasksTest.gaussian(2 * n, 4, 0.01);
            RowKernels.Scratch s = new RowKernels.Scratch(n, 3, 32);
            float[] a = g0.clone(), b = g0.clone();
            for (int r = 0; r < 2; r++) {
                ref.addEntropyGrad(d, r * n, n, 0.3f, a, s);
                vec.addEntropyGrad(d, r * n, n, 0.3f, b, s);
            }
            assertSameBits(a, b, "entropy n=" + n);
            float[] pa = d.clone(), pb = d.clone(), ma = new float[2 * n], mb = new float[2 * n], va = new float[2 * n], vb = new float[2 * n];
            for (int t = 1; t <= 5; t++) {
                float[] g = MasksTest.gaussian(2 * n, 10 + t, 1);
                ref.adam(pa, g, ma, va, 1, 2 * n, RowKernels.AdamStep.of(DppConfig.defaults(), t));
                vec.adam(pb, g, mb, vb, 1, 2 * n, RowKernels.AdamStep.of(DppConfig.defaults(), t));
            }
            assertSameBits(pa, pb, "Adam p n=" + n);
            assertSameBits(ma, mb, "Adam m n=" + n);
            assertSameBits(va, vb, "Adam v n=" + n);
        }
    }

    @Test
    void wholeLayerTrainsTheSameOnBothPathsAndThreadSplits() {
        for (double keep : new double[]{0.02, 0.1}) {        // exact (k = 16) and continuous limit (k = 79)
            MaskSpec s = MaskSpec.ofKeep("fc1", Granularity.WEIGHT, new int[]{60, 784}, keep);
            float[] w = MasksTest.gaussian(s.size(), 1, 0.05), weff = new float[s.size()];
            DppLayer[] layers = {
                    new DppLayer(s, Logits.fromWeights(w, s), DppConfig.defaults().withVectorized(false), 11),
                    new DppLayer(s, Logits.fromWeights(w, s), DppConfig.defaults().withVectorized(false).withThreads(2), 11),
                    new DppLayer(s, Logits.fromWeights(w, s), DppConfig.defaults(), 11),
                    new DppLayer(s, Logits.fromWeights(w, s), DppConfig.defaults().withThreads(2), 11)};
            assertTrue(layers[3].vectorized());
            for (int t = 0; t < 8; t++) {
                float T = 5f - 0.6f * t;
                float[] gw = MasksTest.gaussian(s.size(), 50 + t, 1);
                for (DppLayer l : layers) l.forward(w, weff, T);
                for (int i = 1; i < layers.length; i++)
                    assertArrayEquals(layers[0].lastGroupMask(), layers[i].lastGroupMask(), "mask, variant " + i + ", step " + t);
                for (DppLayer l : layers) l.backward(w, gw, T);
                for (int i = 1; i < layers.length; i++)
                    assertSameBits(layers[0].logits(), layers[i].logits(), "logits, variant " + i + ", step " + t + ", keep " + keep);
            }
        }
    }

    /** Top-k stats (k-th and (k+1)-th largest) of every row. */
    static float[] stats(float[] keys, int n, int k) {
        float[] st = new float[2 * (keys.length / n)], mask = new float[keys.length];
        RowKernels.Scratch s = new RowKernels.Scratch(n, k, 32);
        for (int r = 0; r < keys.length / n; r++) ref.topK(keys, r * n, n, k, mask, s, st, 2 * r);
        return st;
    }

    @Test
    void entropyGradientAndAdamMatchTheReference() {
        int n = 301;
        float[] d = MasksTest.gaussian(n, 3, 2), g0 = MasksTest.gaussian(n, 4, 0.01);
        RowKernels.Scratch s = new RowKernels.Scratch(n, 3, 32);
        float[] expected = g0.clone(), b = g0.clone();
        Relax.addEntropyGrad(d, 0, n, 0.3, expected, 0);
        vec.addEntropyGrad(d, 0, n, 0.3f, b, s);
        assertRelClose(toDouble(expected), b, 1e-5, "entropy");
        float[] pa = d.clone(), pb = d.clone(), ma = new float[n], mb = new float[n], va = new float[n], vb = new float[n];
        for (int t = 1; t <= 5; t++) {
            float[] g = MasksTest.gaussian(n, 10 + t, 1);
            Relax.adam(pa, g, ma, va, 1, n, 0.1, 0.9, 0.999, 1e-8, t);
            vec.adam(pb, g, mb, vb, 1, n, RowKernels.AdamStep.of(DppConfig.defaults(), t));
        }
        assertArrayEquals(pa, pb, 1e-5f);
        assertArrayEquals(ma, mb, 1e-6f);
    }

    @Test
    void noiseMatchesTheDoubleFormulaForEveryUniform() {
        // the noise's float log is coarse (FloatMath.logCoarse): within 3e-6 of -log(-log u) for all 2^23 uniforms (2.1e-6 measured)
        double worst = 0;
        for (int b = 0; b < 1 << 23; b++) {
            float u = ((b << 1) | 1) * 0x1.0p-24f;
            float g = -FloatMath.logCoarse(-FloatMath.logCoarse(u));
            worst = Math.max(worst, Math.abs(g - -Math.log(-Math.log(u))));
        }
        assertTrue(worst <= 3e-6, "max error " + worst);
        long key = Gumbel.streamKey(3, 4);
        for (int i = 0; i < 1000; i++) {
            float u = Gumbel.uniform(key, i);
            assertEquals(-FloatMath.logCoarse(-FloatMath.logCoarse(u)), Gumbel.gumbel(key, i), "draw " + i);
        }
    }

    @Test
    void wholeLayerStaysCloseToTheDoublePrecisionFormulas() {
        // the float kernels against a layer driven by Relax (double) by hand: same masks, logits within Adam-scale noise
        MaskSpec s = MaskSpec.ofKeep("fc1", Granularity.WEIGHT, new int[]{60, 784}, 0.02);
        float[] w = MasksTest.gaussian(s.size(), 1, 0.05), weff = new float[s.size()];
        // k = 16: the exact relaxation's float kernels (by default k = 16 takes the continuous limit)
        DppLayer layer = new DppLayer(s, Logits.fromWeights(w, s), DppConfig.defaults().withExactKMax(32), 11);
        assertTrue(layer.exactRelaxation());
        float[] d = Logits.fromWeights(w, s), m = new float[d.length], v = new float[d.length];
        int n = s.n(), k = s.k();
        for (int t = 0; t < 5; t++) {
            layer.forward(w, weff, 2f);
            float[] keys = layer.lastKeys(), gw = MasksTest.gaussian(s.size(), 50 + t, 1), grad = new float[d.length];
            for (int i = 0; i < d.length; i++) grad[i] = gw[i] * w[i];
            for (int gr = 0; gr < s.groups(); gr++) {
                Relax.exactGrad(keys, gr * n, n, k, 0.5, grad, gr * n, grad, gr * n, new double[Relax.exactScratch(n, k)]);
                Relax.addEntropyGrad(d, gr * n, n, 1e-3, grad, gr * n);
            }
            Relax.adam(d, grad, m, v, 0, d.length, 0.1, 0.9, 0.999, 1e-8, t + 1);
            layer.backward(w, gw, 2f);
        }
        float[] got = layer.logits();
        int far = 0;
        for (int i = 0; i < d.length; i++) if (Math.abs(got[i] - d[i]) > 1e-3) far++;
        // Adam normalises the step, so logits differ by lr-scale amounts only where gradients are near 0
        assertTrue(far < d.length / 200, far + " of " + d.length + " logits differ by more than 1e-3");
        assertFalse(Arrays.equals(got, Logits.fromWeights(w, s)), "trained");
    }
}
