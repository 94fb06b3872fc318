package io.fedprune.dpp;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class SamplerTest {

    /** P(unordered pair {a, b}) under Plackett-Luce without replacement, by enumerating both orders. */
    static double[][] pairProbabilities(double[] logits) {
        int n = logits.length;
        double[] w = new double[n];
        double z = 0;
        for (int i = 0; i < n; i++) z += w[i] = Math.exp(logits[i]);
        double[][] p = new double[n][n];
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++)
                if (a != b) {
                    double ordered = w[a] / z * w[b] / (z - w[a]);   // a first, then b
                    p[Math.min(a, b)][Math.max(a, b)] += ordered;
                }
        return p;
    }

    private void checkSamplerAgainstPlackettLuce(int n, boolean vectorized) {
        double[] d = {1.2, 0.5, 0.0, -0.4, -1.5, 0.3, 0.9, -2.0};
        int groups = 2000, steps = 50;
        MaskSpec s = MaskSpec.ofK("pl", Granularity.WEIGHT, new int[]{groups, n}, 2);
        float[] logits = new float[s.candidates()];
        for (int g = 0; g < groups; g++) for (int i = 0; i < n; i++) logits[g * n + i] = (float) d[i % d.length];
        DppLayer layer = new DppLayer(s, logits, DppConfig.defaults().withVectorized(vectorized), 2024);
        float[] w = new float[s.size()], weff = new float[s.size()];
        Arrays.fill(w, 1f);
        // only the first 5 candidates matter for the pair statistics; pad candidates (n > 5) get logit -30
        for (int g = 0; g < groups; g++) for (int i = 5; i < n; i++) logits[g * n + i] = -30f;
        layer = new DppLayer(s, logits, DppConfig.defaults().withVectorized(vectorized), 2024);
        long[][] counts = new long[5][5];
        long[] incl = new long[5];
        for (int t = 0; t < steps; t++) {
            layer.forward(w, weff, 1f);
            float[] m = layer.lastGroupMask();
            for (int g = 0; g < groups; g++) {
                int a = -1, b = -1;
                for (int i = 0; i < n; i++)
                    if (m[g * n + i] == 1f) {
                        if (a < 0) a = i; else b = i;
                    }
                assertTrue(b < 5, "a pad candidate with logit -30 was selected");
                counts[a][b]++;
                incl[a]++;
                incl[b]++;
            }
        }
        double[] d5 = Arrays.copyOf(d, 5);
        double[][] p = pairProbabilities(d5);
        double samples = (double) groups * steps, chi2 = 0;
        for (int a = 0; a < 5; a++)
            for (int b = a + 1; b < 5; b++) {
                double exp = samples * p[a][b];
                chi2 += (counts[a][b] - exp) * (counts[a][b] - exp) / exp;
            }
        // 10 categories, 9 degrees of freedom: P(chi2 > 27.88) = 0.001
        assertTrue(chi2 < 27.88, "chi-square " + chi2 + " over the 10 pairs, counts " + Arrays.deepToString(counts));
        // inclusion probabilities, each within 4.5 binomial standard deviations
        for (int i = 0; i < 5; i++) {
            double pi = 0;
            for (int j = 0; j < 5; j++) if (j != i) pi += p[Math.min(i, j)][Math.max(i, j)];
            double sd = Math.sqrt(samples * pi * (1 - pi));
            assertEquals(samples * pi, incl[i], 4.5 * sd, "inclusion of candidate " + i);
        }
    }

    @Test
    void inclusionFrequenciesMatchPlackettLuceScalar() {
        checkSamplerAgainstPlackettLuce(5, false);
    }

    @Test
    void inclusionFrequenciesMatchPlackettLuceVectorised() {
        checkSamplerAgainstPlackettLuce(40, true);   // rows of 40 use the vector kernels when available
    }

    @Test
    void sameSeedSameMasksOtherSeedOtherMasks() {
        MaskSpec s = MaskSpec.ofKeep("fc", Granularity.WEIGHT, new int[]{100, 300}, 0.05);
        float[] w = MasksTest.gaussian(s.size(), 5, 0.1), weff = new float[s.size()];
        float[] d = Logits.fromWeights(w, s);
        for (boolean vec : new boolean[]{false, true}) {
            DppLayer a = new DppLayer(s, d, DppConfig.defaults().withVectorized(vec), 42);
            DppLayer b = new DppLayer(s, d, DppConfig.defaults().withVectorized(vec).withThreads(2), 42);
            DppLayer c = new DppLayer(s, d, DppConfig.defaults().withVectorized(vec), 43);
            for (int t = 0; t < 3; t++) {
                float[] g = MasksTest.gaussian(s.size(), 100 + t, 1);
                a.forward(w, weff, 2f);
                b.forward(w, weff, 2f);
                c.forward(w, weff, 2f);
                assertArrayEquals(a.lastGroupMask(), b.lastGroupMask(), "same seed, step " + t);
                assertFalse(Arrays.equals(a.lastGroupMask(), c.lastGroupMask()), "other seed, step " + t);
                a.backward(w, g, 2f);
                b.backward(w, g, 2f);
                c.backward(w, g, 2f);
                assertArrayEquals(a.logits(), b.logits(), "same seed logits, step " + t);
            }
            // masks of consecutive steps differ (fresh noise per forward)
            a.forward(w, weff, 1f);
            float[] first = a.lastGroupMask();
            a.forward(w, weff, 1f);
            assertFalse(Arrays.equals(first, a.lastGroupMask()));
        }
    }

    @Test
    void derivedSeedsDependOnEveryPartAndItsOrder() {
        long a = Gumbel.deriveSeed(7, 1, 2), b = Gumbel.deriveSeed(7, 2, 1), c = Gumbel.deriveSeed(8, 1, 2);
        assertEquals(a, Gumbel.deriveSeed(7, 1, 2));
        assertNotEquals(a, b);
        assertNotEquals(a, c);
        assertNotEquals(Gumbel.deriveSeed(7), Gumbel.deriveSeed(7, 0));
    }

    @Test
    void uniformAndGumbelAreInRange() {
        long key = Gumbel.streamKey(1, 2);
        double mean = 0;
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            float u = Gumbel.uniform(key, i);
            assertTrue(u > 0 && u < 1);
            mean += Gumbel.gumbel(key, i);
        }
        // E[Gumbel] = Euler-Mascheroni 0.5772, sd pi/sqrt(6) = 1.28
        assertEquals(0.5772, mean / n, 5 * 1.28 / Math.sqrt(n));
    }

    /** Kolmogorov-Smirnov distance of sorted draws to the standard Gumbel CDF {@code exp(-exp(-x))}. */
    static double ksToGumbel(double[] sorted) {
        double d = 0;
        int n = sorted.length;
        for (int i = 0; i < n; i++) {
            double cdf = Math.exp(-Math.exp(-sorted[i]));
            d = Math.max(d, Math.max(cdf - (double) i / n, (i + 1.0) / n - cdf));
        }
        return d;
    }

    @Test
    void gumbelNoiseHasTheGumbelDistribution() {
        // one million draws of one stream: the float noise (coarse log) and the exact -log(-log u) of the same uniforms
        int n = 1_000_000;
        long key = Gumbel.streamKey(5, 6);
        double[] noise = new double[n], exact = new double[n];
        for (int i = 0; i < n; i++) {
            noise[i] = Gumbel.gumbel(key, i);
            exact[i] = -Math.log(-Math.log(Gumbel.uniform(key, i)));
        }
        java.util.Arrays.sort(noise);
        java.util.Arrays.sort(exact);
        double dNoise = ksToGumbel(noise), dExact = ksToGumbel(exact);
        // KS critical value at the 1% level: 1.63 / sqrt(n)
        assertTrue(dNoise < 1.63 / Math.sqrt(n), "KS distance " + dNoise);
        // the coarse log moves no draw by more than 3e-6, so the distance moves by less than 3e-6 * max density (0.37)
        assertEquals(dExact, dNoise, 1.2e-6, "KS distance of the float noise against that of the exact formula");
        double mean = java.util.Arrays.stream(noise).sum() / n, var = 0;
        for (double x : noise) var += (x - mean) * (x - mean);
        assertEquals(0.5772, mean, 5 * 1.28 / Math.sqrt(n));                      // Euler-Mascheroni
        assertEquals(Math.PI * Math.PI / 6, var / (n - 1), 0.01);                  // 1.645 +- ~5 standard errors
    }
}
