package io.fedprune.dpp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The layer's straight-through gradient against finite differences of the soft surrogate on the sampled keys. */
class DppLayerGradientTest {

    /**
     * Surrogate L(D) = sum_g sum_i G_gi m_i((D_g + noise_g) / T) with G = reduce(gradWeff * w) computed here by hand,
     * differentiated numerically per group.
     */
    private static void check(MaskSpec s, DppConfig cfg, boolean exact, double tol) {
        check(s, cfg, exact, tol, 0);
    }

    /** After {@code stepsBefore} Adam steps at other temperatures (the limit's Newton then starts from their tau). */
    private static void check(MaskSpec s, DppConfig cfg, boolean exact, double tol, int stepsBefore) {
        float[] w = MasksTest.gaussian(s.size(), 1, 0.3), gw = MasksTest.gaussian(s.size(), 2, 1);
        DppLayer layer = new DppLayer(s, Logits.fromWeights(w, s), cfg.withEntropyWeight(0), 3);
        assertEquals(exact, layer.exactRelaxation());
        for (int t = 0; t < stepsBefore; t++) {
            layer.forward(w, new float[s.size()], 2f - 0.5f * t);
            layer.backward(w, MasksTest.gaussian(s.size(), 10 + t, 1), 2f - 0.5f * t);
        }
        float T = 0.8f;
        layer.forward(w, new float[s.size()], T);
        float[] keys = layer.lastKeys(), grad = layer.gradient(w, gw, T);
        int n = s.n(), e = s.candidateSize();
        for (int g = 0; g < s.groups(); g++) {
            float[] key = new float[n], G = new float[n], got = new float[n];
            for (int i = 0; i < n; i++) {
                key[i] = keys[g * n + i];
                got[i] = grad[g * n + i];
                double sum = 0;
                for (int j = 0; j < e; j++) sum += (double) gw[(g * n + i) * e + j] * w[(g * n + i) * e + j];
                G[i] = (float) sum;
            }
            RelaxTest.Surrogate f = exact ? Relax::exactSoftMask : Relax::limitSoftMask;
            RelaxTest.assertClose(RelaxTest.finiteDifference(f, key, 1 / T, s.k(), G, 1e-3), got, tol, s + " group " + g);
        }
    }

    @Test
    void exactRelaxationGradientOfTheLayer() {
        for (boolean vec : new boolean[]{false, true}) {
            DppConfig cfg = DppConfig.defaults().withVectorized(vec).withExactKMax(32);
            check(MaskSpec.ofK("fc", Granularity.WEIGHT, new int[]{6, 50}, 5), cfg, true, 2e-3);
            check(MaskSpec.ofK("conv", Granularity.KERNEL, new int[]{4, 40, 2, 2}, 3), cfg, true, 2e-3);
            check(MaskSpec.ofK("fc", Granularity.FILTER, new int[]{64, 3}, 10), cfg.withThreads(2), true, 2e-3);
            check(MaskSpec.tile("fc", new int[]{4, 16}, 2, 4), cfg, true, 2e-3);
        }
    }

    @Test
    void continuousLimitGradientOfTheLayer() {
        for (boolean vec : new boolean[]{false, true}) {
            DppConfig cfg = DppConfig.defaults().withVectorized(vec).withExactKMax(0);
            // the layer stops Newton at |sum m - k| < 1e-3 k, so it matches the exactly solved surrogate to ~1e-2
            check(MaskSpec.ofK("fc", Granularity.WEIGHT, new int[]{6, 100}, 40), cfg, false, 1e-2);
            check(MaskSpec.ofK("conv", Granularity.KERNEL, new int[]{4, 40, 2, 2}, 20), cfg.withThreads(2), false, 1e-2);
            check(MaskSpec.ofK("fc", Granularity.FILTER, new int[]{64, 3}, 33), cfg, false, 1e-2);
            // later steps start Newton from the previous step's threshold, which must not change the answer
            check(MaskSpec.ofK("fc", Granularity.WEIGHT, new int[]{6, 100}, 40), cfg, false, 1e-2, 3);
            check(MaskSpec.ofK("fc", Granularity.WEIGHT, new int[]{6, 300}, 6), cfg.withThreads(2), false, 1e-2, 2);
        }
    }

    @Test
    void defaultRelaxationIsExactUpToKEightAndTheLimitAbove() {
        for (int k : new int[]{1, 8, 9, 16}) {
            DppLayer layer = new DppLayer(MaskSpec.ofK("fc", Granularity.WEIGHT, new int[]{2, 40}, k), new float[80], DppConfig.defaults(), 1);
            assertEquals(k <= 8, layer.exactRelaxation(), "k = " + k);
        }
    }

    @Test
    void entropyRegulariserAddsWeightedEntropyGradient() {
        MaskSpec s = MaskSpec.ofK("fc", Granularity.WEIGHT, new int[]{3, 40}, 4);
        float[] w = MasksTest.gaussian(s.size(), 1, 0.3), zero = new float[s.size()];
        float[] d = MasksTest.gaussian(s.candidates(), 7, 1);
        DppLayer layer = new DppLayer(s, d, DppConfig.defaults().withEntropyWeight(0.5), 3);
        layer.forward(w, new float[s.size()], 1f);
        float[] grad = layer.gradient(w, zero, 1f);            // G = 0: only the regulariser
        float[] expected = new float[s.candidates()];
        for (int g = 0; g < 3; g++) Relax.addEntropyGrad(d, g * 40, 40, 0.5, expected, g * 40);
        assertArrayEquals(expected, grad, 1e-6f);
    }

    @Test
    void adamMovesLogitsAgainstTheGradient() {
        MaskSpec s = MaskSpec.ofK("fc", Granularity.WEIGHT, new int[]{2, 40}, 4);
        float[] w = MasksTest.gaussian(s.size(), 1, 0.3), gw = MasksTest.gaussian(s.size(), 2, 1);
        float[] d = Logits.fromWeights(w, s);
        DppLayer layer = new DppLayer(s, d, DppConfig.defaults(), 3);
        layer.forward(w, new float[s.size()], 1f);
        float[] grad = layer.gradient(w, gw, 1f);
        layer.backward(w, gw, 1f);
        float[] after = layer.logits();
        // first Adam step: D -= lr * g / (|g| + eps)
        for (int i = 0; i < d.length; i++)
            assertEquals(d[i] - 0.1 * grad[i] / (Math.abs(grad[i]) + 1e-8), after[i], 1e-5, "logit " + i);
        assertEquals(1, layer.steps());
    }

    @Test
    void backwardBeforeForwardIsAnError() {
        MaskSpec s = MaskSpec.ofK("fc", Granularity.WEIGHT, new int[]{2, 4}, 1);
        DppLayer layer = new DppLayer(s, new float[8], DppConfig.defaults(), 1);
        assertThrows(IllegalStateException.class, () -> layer.backward(new float[8], new float[8], 1f));
        assertThrows(IllegalArgumentException.class, () -> layer.forward(new float[8], new float[8], 0f));
        assertThrows(IllegalArgumentException.class, () -> layer.forward(new float[7], new float[8], 1f));
    }
}
