package io.fedprune.dpp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class RelaxTest {

    interface Surrogate {
        double[] mask(float[] key, double invT, int k);
    }

    /** Central finite difference of L(key) = sum_i G_i m_i(key / T), keys perturbed in double via invT scaling. */
    static double[] finiteDifference(Surrogate f, float[] key, double invT, int k, float[] g, double h) {
        double[] num = new double[key.length];
        for (int i = 0; i < key.length; i++) {
            float[] kp = key.clone(), km = key.clone();
            kp[i] += (float) h;
            km[i] -= (float) h;
            double hp = kp[i] - key[i], hm = key[i] - km[i];   // the steps actually taken in float
            num[i] = (dot(f.mask(kp, invT, k), g) - dot(f.mask(km, invT, k), g)) / (hp + hm);
        }
        return num;
    }

    static double dot(double[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    static void assertClose(double[] expected, float[] actual, double relTol, String what) {
        double max = 0;
        for (double x : expected) max = Math.max(max, Math.abs(x));
        for (int i = 0; i < expected.length; i++)
            assertEquals(expected[i], actual[i], relTol * max + 1e-9, what + " [" + i + "]");
    }

    @Test
    void exactGradientMatchesFiniteDifferences() {
        for (int[] nk : new int[][]{{12, 4}, {30, 1}, {30, 7}, {8, 7}}) {
            int n = nk[0], k = nk[1];
            float[] key = MasksTest.gaussian(n, n + k, 1.5), g = MasksTest.gaussian(n, 99, 1);
            for (double T : new double[]{0.7, 2.0}) {
                float[] out = new float[n];
                Relax.exactGrad(key, 0, n, k, 1 / T, g, 0, out, 0, new double[Relax.exactScratch(n, k)]);
                assertClose(finiteDifference(Relax::exactSoftMask, key, 1 / T, k, g, 1e-3), out, 2e-4, "exact n=" + n + " k=" + k + " T=" + T);
            }
        }
    }

    @Test
    void limitGradientMatchesFiniteDifferences() {
        for (int[] nk : new int[][]{{12, 4}, {30, 1}, {50, 20}, {8, 7}}) {
            int n = nk[0], k = nk[1];
            float[] key = MasksTest.gaussian(n, n + k, 1.5), g = MasksTest.gaussian(n, 98, 1);
            for (double T : new double[]{0.7, 2.0}) {
                float[] out = new float[n];
                Relax.limitGrad(key, 0, n, k, 1 / T, Relax.midTau(key, 0, n, k, 1 / T), 200, 1e-12, g, 0, out, 0, new double[n]);
                assertClose(finiteDifference(Relax::limitSoftMask, key, 1 / T, k, g, 1e-3), out, 2e-4, "limit n=" + n + " k=" + k + " T=" + T);
            }
        }
    }

    @Test
    void softMasksSumToK() {
        // the exact form removes p_i = u_i r_i / S per stage, so it sums to k unless a stage clips (u_i > S, one
        // candidate holding more than the remaining mass): spread logits clip, close logits do not at small k
        float[] spread = MasksTest.gaussian(40, 3, 2), close = MasksTest.gaussian(40, 3, 0.3);
        for (int k : new int[]{1, 5, 39}) {
            if (k < 39) assertEquals(k, sum(Relax.exactSoftMask(close, 1.0, k)), 1e-9);
            assertTrue(sum(Relax.exactSoftMask(spread, 1.0, k)) <= k + 1e-9);
            assertTrue(sum(Relax.exactSoftMask(spread, 1.0, k)) > k - 1);
            assertEquals(k, sum(Relax.limitSoftMask(spread, 1.0, k)), 1e-9);
            assertEquals(k, sum(Relax.limitSoftMask(close, 1.0, k)), 1e-9);
        }
    }

    @Test
    void exactForKEqualOneIsTheSoftmax() {
        float[] key = {0.5f, -1f, 2f};
        double z = Math.exp(0.5) + Math.exp(-1) + Math.exp(2);
        double[] m = Relax.exactSoftMask(key, 1.0, 1);
        assertArrayEquals(new double[]{Math.exp(0.5) / z, Math.exp(-1) / z, Math.exp(2) / z}, m, 1e-12);
    }

    static double sum(double[] a) {
        double s = 0;
        for (double x : a) s += x;
        return s;
    }

    @Test
    void exactAndContinuousLimitGradientsAgree() {
        // DESIGN.md §2: cosine >= 0.995 in the prototype at k = 16..79, T = 5..0.5; here logits like a trained layer
        int n = 784;
        for (int k : new int[]{16, 32, 40}) {
            for (double T : new double[]{5, 1, 0.5}) {
                double cosSum = 0;
                int rows = 20;
                for (int r = 0; r < rows; r++) {
                    float[] key = MasksTest.gaussian(n, 1000 + r, 2);
                    long gk = Gumbel.streamKey(r, k);
                    for (int i = 0; i < n; i++) key[i] += Gumbel.gumbel(gk, i);
                    float[] g = MasksTest.gaussian(n, 2000 + r, 1), ge = new float[n], gc = new float[n];
                    Relax.exactGrad(key, 0, n, k, 1 / T, g, 0, ge, 0, new double[Relax.exactScratch(n, k)]);
                    Relax.limitGrad(key, 0, n, k, 1 / T, Relax.midTau(key, 0, n, k, 1 / T), 50, 1e-6, g, 0, gc, 0, new double[n]);
                    cosSum += cosine(ge, gc);
                }
                assertTrue(cosSum / rows > 0.98, "mean row cosine exact vs limit at k=" + k + " T=" + T + ": " + cosSum / rows);
            }
        }
    }

    static double cosine(float[] a, float[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }

    @Test
    void entropyGradientMatchesFiniteDifferences() {
        float[] d = MasksTest.gaussian(10, 4, 1.5);
        float[] out = new float[10];
        Relax.addEntropyGrad(d, 0, 10, 1.0, out, 0);
        double[] num = new double[10];
        for (int i = 0; i < 10; i++) {
            float[] p = d.clone(), m = d.clone();
            p[i] += 1e-3f;
            m[i] -= 1e-3f;
            num[i] = (Relax.entropy(p, 0, 10) - Relax.entropy(m, 0, 10)) / ((double) p[i] - m[i]);
        }
        assertClose(num, out, 1e-4, "entropy");
        assertEquals(Math.log(4), Relax.entropy(new float[]{3, 3, 3, 3}, 0, 4), 1e-12);
    }

    @Test
    void adamStepMatchesHandComputation() {
        // first step: m = 0.1 g, v = 0.001 g^2, m_hat = g, v_hat = g^2 -> p -= lr * g / (|g| + eps)
        float[] p = {1f, 1f}, g = {0.5f, -2f}, m = new float[2], v = new float[2];
        Relax.adam(p, g, m, v, 0, 2, 0.1, 0.9, 0.999, 1e-8, 1);
        assertArrayEquals(new float[]{0.9f, 1.1f}, p, 1e-6f);
        assertArrayEquals(new float[]{0.05f, -0.2f}, m, 1e-7f);
        assertArrayEquals(new float[]{0.00025f, 0.004f}, v, 1e-9f);
    }
}
