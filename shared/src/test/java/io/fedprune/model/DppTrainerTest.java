package io.fedprune.model;

import io.fedprune.data.Dataset;
import io.fedprune.data.Mnist;
import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.dpp.Masks;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DPP training on the committed MNIST subset. */
class DppTrainerTest {
    private static Mnist.Split data;
    private static Model lenet300;
    private static final TrainConfig FAST = TrainConfig.DEFAULTS.withEpochs(2);

    @BeforeAll
    static void trainDense() {
        data = MiniMnist.get();
        lenet300 = DenseTrainer.train(Model.init(ModelArch.LENET300.graph(), 0), data.train(), null,
                DenseConfig.DEFAULTS.withEpochs(4), 0, ProgressListener.NONE);
    }

    private static void assertKOfN(List<MaskSpec> specs, Map<String, float[]> masks) {
        for (MaskSpec s : specs) {
            float[] m = masks.get(s.layer());
            assertEquals(s.candidates(), m.length, s.layer());
            for (int c : Masks.keptPerGroup(m, s)) assertEquals(s.k(), c, s.layer() + ": kept per group");
            assertTrue(Masks.isKOfN(m, s), s.layer());
        }
    }

    @Test
    void frozenTrainingKeepsExactlyKAndBeatsRandomMasks() {
        List<MaskSpec> specs = MaskSpecs.weightLevel(ModelArch.LENET300.graph(), 0.05);
        assertEquals(List.of(40, 15, 25), specs.stream().map(MaskSpec::k).toList());   // ceil(.05*784), ceil(.05*300), 25% of 100
        float[] w0 = lenet300.weight("fc1").clone();
        DppResult r = DppTrainer.train(lenet300, data.train(), specs, null, FAST, 7, ProgressListener.NONE);
        assertKOfN(specs, r.groupMasks());
        assertArrayEquals(w0, lenet300.weight("fc1"), "frozen weights untouched");
        assertNull(r.weights());
        assertEquals(2L * 16, r.steps());                 // 2000 / 128 -> 16 steps per epoch
        double dpp = DppTrainer.evaluate(lenet300, specs, r.groupMasks(), 0, data.test()).accuracy();
        double random = 0;
        for (int s = 0; s < 3; s++) {
            Map<String, float[]> m = new LinkedHashMap<>();
            for (MaskSpec sp : specs) m.put(sp.layer(), Masks.random(sp, 50 + s));
            random += DppTrainer.evaluate(lenet300, specs, m, 0, data.test()).accuracy() / 3;
        }
        assertTrue(dpp > random + 0.3, "dpp " + dpp + " random " + random);
        assertTrue(r.after().loss() < r.before().loss(), "training loss with final masks " + r.before() + " -> " + r.after());
        for (MaskSpec s : specs) {
            LayerMetrics m = r.metrics().get(s.layer());
            assertTrue(m.confidence() > 0 && m.confidence() <= 1, m.toString());
            assertTrue(m.diversity() >= 0 && m.diversity() <= 1, m.toString());
        }
    }

    @Test
    void sameSeedSameLogitsOtherSeedOtherLogits() {
        Dataset small = data.train().head(512);
        List<MaskSpec> specs = MaskSpecs.weightLevel(ModelArch.LENET300.graph(), 0.1);
        TrainConfig cfg = TrainConfig.DEFAULTS.withEpochs(1).withEvaluate(false);
        DppResult a = DppTrainer.train(lenet300, small, specs, null, cfg, 11, ProgressListener.NONE);
        DppResult b = DppTrainer.train(lenet300, small, specs, null, cfg, 11, ProgressListener.NONE);
        DppResult c = DppTrainer.train(lenet300, small, specs, null, cfg, 12, ProgressListener.NONE);
        for (MaskSpec s : specs) assertArrayEquals(a.logits().get(s.layer()), b.logits().get(s.layer()), s.layer());
        assertFalse(java.util.Arrays.equals(a.logits().get("fc1"), c.logits().get("fc1")));
    }

    @Test
    void startsFromGivenLogits() {
        Dataset small = data.train().head(256);
        List<MaskSpec> specs = List.of(MaskSpec.ofKeep("fc2", Granularity.WEIGHT, new int[]{100, 300}, 0.1));
        float[] init = new float[100 * 300];
        for (int g = 0; g < 100; g++) for (int i = 0; i < 30; i++) init[g * 300 + i] = 50f;  // first 30 inputs, far ahead
        DppResult r = DppTrainer.train(lenet300, small, specs, Map.of("fc2", init),
                TrainConfig.DEFAULTS.withEpochs(1).withEvaluate(false), 1, ProgressListener.NONE);
        float[] m = r.groupMasks().get("fc2");
        for (int g = 0; g < 100; g++) for (int i = 0; i < 30; i++) assertEquals(1f, m[g * 300 + i]);
        assertThrows(IllegalArgumentException.class, () -> DppTrainer.train(lenet300, small,
                List.of(MaskSpec.ofKeep("fc9", Granularity.WEIGHT, new int[]{100, 300}, 0.1)), null, TrainConfig.DEFAULTS,
                1, ProgressListener.NONE));
    }

    @Test
    void jointTrainingWithQuantisationChangesTheWeightsAndStillLearns() {
        Dataset small = data.train().head(1024);
        List<MaskSpec> specs = MaskSpecs.weightLevel(ModelArch.LENET300.graph(), 0.05);
        TrainConfig cfg = FAST.withJointWeights(1e-3).withQuantBits(8);
        DppResult r = DppTrainer.train(lenet300, small, specs, null, cfg, 3, ProgressListener.NONE);
        assertNotNull(r.weights());
        assertFalse(java.util.Arrays.equals(lenet300.weight("fc1"), r.weights().weight("fc1")));
        assertKOfN(specs, r.groupMasks());
        assertTrue(r.after().loss() < r.before().loss(), r.before() + " -> " + r.after());
        // the 8-bit masked model: every weight on its layer's grid
        Model q = Pruning.apply(r.weights(), specs, r.groupMasks(), 8);
        float[] w = q.weight("fc2");
        float s = Quantizer.scale(w, 8);
        for (float v : w) assertEquals(Math.round(v / s), v / s, 1e-3);
    }

    @Test
    void nestedTiersTeachTheLogitsToRankAtTheSmallerK() {
        // logits trained at 25% alone against the same run cycling over 5% and 25%, both cut at 5%
        List<MaskSpec> own = MaskSpecs.weightLevel(ModelArch.LENET300.graph(), 0.25),
                small = MaskSpecs.weightLevel(ModelArch.LENET300.graph(), 0.05);
        TrainConfig cfg = FAST.withEvaluate(false);
        Dataset train = data.train();
        DppResult alone = DppTrainer.train(lenet300, train, null, own, List.of(), null, cfg, 7, ProgressListener.NONE);
        DppResult nested = DppTrainer.train(lenet300, train, null, own, List.of(small), null, cfg, 7, ProgressListener.NONE);
        DppResult plain = DppTrainer.train(lenet300, train, own, null, cfg, 7, ProgressListener.NONE);
        for (MaskSpec s : own) assertArrayEquals(plain.logits().get(s.layer()), alone.logits().get(s.layer()), "no nested tiers: as before");
        assertKOfN(own, nested.groupMasks());
        assertEquals(alone.steps(), nested.steps());
        double atSmallAlone = accuracyAt(small, alone), atSmallNested = accuracyAt(small, nested);
        assertTrue(atSmallNested > atSmallAlone + 0.015, "5% cut: nested " + atSmallNested + ", 25% alone " + atSmallAlone);
        // the own tier stays close to its own training
        assertTrue(accuracyAt(own, nested) > accuracyAt(own, alone) - 0.02, "25% cut: nested " + accuracyAt(own, nested) + ", alone " + accuracyAt(own, alone));
        List<MaskSpec> wrongLayers = own.subList(0, 2);
        assertThrows(IllegalArgumentException.class, () -> DppTrainer.train(lenet300, train, null, own, List.of(wrongLayers),
                null, cfg, 7, ProgressListener.NONE));
        List<MaskSpec> larger = MaskSpecs.weightLevel(ModelArch.LENET300.graph(), 0.5);
        assertThrows(IllegalArgumentException.class, () -> DppTrainer.train(lenet300, train, null, own, List.of(larger),
                null, cfg, 7, ProgressListener.NONE));
    }

    /** Test accuracy with every layer's top-k of the trained logits at {@code specs}' k. */
    private static double accuracyAt(List<MaskSpec> specs, DppResult r) {
        Map<String, float[]> m = new LinkedHashMap<>();
        for (MaskSpec s : specs) m.put(s.layer(), Masks.topK(r.logits().get(s.layer()), s));
        return DppTrainer.evaluate(lenet300, specs, m, 0, data.test()).accuracy();
    }

    @Test
    void lenet5KernelAndFilterMasksKeepExactlyK() {
        Dataset small = data.train().head(256);
        Model m = Model.init(ModelArch.LENET5.graph(), 4);
        for (Granularity g : new Granularity[]{Granularity.KERNEL, Granularity.FILTER}) {
            List<MaskSpec> specs = MaskSpecs.of(ModelArch.LENET5.graph(), g, Granularity.WEIGHT, 0.25, MaskSpecs.OUTPUT_MIN_KEEP);
            assertEquals(g, specs.get(1).granularity());
            assertEquals(g == Granularity.KERNEL ? 20 : 50, specs.get(1).n());   // conv2: cin kernels, or cout filters
            DppResult r = DppTrainer.train(m, small, specs, null, TrainConfig.DEFAULTS.withEpochs(1).withEvaluate(false), 5,
                    ProgressListener.NONE);
            assertKOfN(specs, r.groupMasks());
            // expanded to weights: a kept kernel keeps its 25 weights, a kept filter its whole row
            float[] full = specs.get(1).expand(r.groupMasks().get("conv2"));
            int kept = 0;
            for (float v : full) kept += (int) v;
            assertEquals(g == Granularity.KERNEL ? 50 * 5 * 25 : 13 * 500, kept);
        }
    }
}
