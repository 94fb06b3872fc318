package io.fedprune.dpp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A layer trained at several k: at each k it samples and differentiates as a layer built for that k alone (the
 * independent reference, itself checked against finite differences in {@link DppLayerGradientTest}).
 */
class DppLayerNestedTest {
    private static final int[] SHAPE = {6, 50};
    private static final MaskSpec OWN = MaskSpec.ofK("fc", Granularity.WEIGHT, SHAPE, 20);

    private static void assertSameStep(DppLayer nested, DppLayer plain, float[] w, float[] gw, float t, String what) {
        float[] a = new float[OWN.size()], b = new float[OWN.size()];
        nested.forward(w, a, t);
        plain.forward(w, b, t);
        assertArrayEquals(b, a, what + ": effective weights");
        float[] mask = nested.lastGroupMask();
        for (int kept : Masks.keptPerGroup(mask, plain.spec())) assertEquals(plain.spec().k(), kept, what + ": kept per group");
        assertArrayEquals(plain.gradient(w, gw, t), nested.gradient(w, gw, t), what + ": logits gradient");
    }

    @Test
    void eachKSamplesAndDifferentiatesAsALayerBuiltForItAlone() {
        float[] w = MasksTest.gaussian(OWN.size(), 1, 0.3), gw = MasksTest.gaussian(OWN.size(), 2, 1);
        float[] init = Logits.fromWeights(w, OWN);
        for (boolean vec : new boolean[]{false, true}) {
            // exactKMax 8: k = 5 takes the exact relaxation, k = 10 and the own 20 the continuous limit
            DppConfig cfg = DppConfig.defaults().withVectorized(vec);
            for (int k : new int[]{5, 10, 20}) {
                DppLayer nested = new DppLayer(OWN, new int[]{10, 5}, init, cfg, 3);
                assertArrayEquals(new int[]{5, 10, 20}, nested.trainedK());
                nested.useK(k);
                DppLayer plain = new DppLayer(MaskSpec.ofK("fc", Granularity.WEIGHT, SHAPE, k), init, cfg, 3);
                assertSameStep(nested, plain, w, gw, 0.8f, "k=" + k + (vec ? " vector" : " scalar"));
            }
        }
    }

    @Test
    void theOwnKIsUsedUntilToldOtherwiseAndKeepsTheFinalMask() {
        float[] w = MasksTest.gaussian(OWN.size(), 4, 0.3), gw = MasksTest.gaussian(OWN.size(), 5, 1);
        float[] init = Logits.fromWeights(w, OWN);
        DppLayer nested = new DppLayer(OWN, new int[]{5}, init, DppConfig.defaults(), 9);
        DppLayer plain = new DppLayer(OWN, init, DppConfig.defaults(), 9);
        assertSameStep(nested, plain, w, gw, 1.5f, "before useK");
        nested.useK(5);
        nested.forward(w, new float[OWN.size()], 1f);
        nested.backward(w, gw, 1f);
        for (int kept : Masks.keptPerGroup(nested.finalGroupMask(), OWN)) assertEquals(20, kept, "the final mask keeps the spec's k");
        assertTrue(nested.exactRelaxation() == plain.exactRelaxation(), "exactRelaxation is the spec's k's");
    }

    @Test
    void nestedKMustBeDistinctAndBelowTheOwnAndUseKOneOfThem() {
        float[] init = new float[OWN.candidates()];
        DppConfig cfg = DppConfig.defaults();
        assertThrows(IllegalArgumentException.class, () -> new DppLayer(OWN, new int[]{20}, init, cfg, 1));
        assertThrows(IllegalArgumentException.class, () -> new DppLayer(OWN, new int[]{21}, init, cfg, 1));
        assertThrows(IllegalArgumentException.class, () -> new DppLayer(OWN, new int[]{0}, init, cfg, 1));
        assertThrows(IllegalArgumentException.class, () -> new DppLayer(OWN, new int[]{5, 5}, init, cfg, 1));
        DppLayer layer = new DppLayer(OWN, new int[]{5}, init, cfg, 1);
        assertThrows(IllegalArgumentException.class, () -> layer.useK(6));
        layer.useK(20);
        assertArrayEquals(new int[]{20}, new DppLayer(OWN, init, cfg, 1).trainedK());
    }
}
