package io.fedprune.runtime;

import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.dpp.Masks;
import io.fedprune.model.Layer;
import io.fedprune.model.MaskSpecs;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.model.Network;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compact network of a tier against the masked dense model run by the ND4J training network (an independent
 * implementation), on random models, masks and inputs, for every granularity and both built-in architectures.
 */
class TierCompilerTest {
    private static final int SAMPLES = 6;

    static Stream<Arguments> tiers() {
        return Stream.of(
                Arguments.of(ModelArch.LENET300, "WEIGHT", 0.1), Arguments.of(ModelArch.LENET300, "WEIGHT", 0.8),
                Arguments.of(ModelArch.LENET300, "FILTER", 0.2),
                Arguments.of(ModelArch.LENET300, "TILE", 0.5), Arguments.of(ModelArch.LENET5, "WEIGHT", 0.05),
                Arguments.of(ModelArch.LENET5, "KERNEL", 0.3), Arguments.of(ModelArch.LENET5, "FILTER", 0.25),
                Arguments.of(ModelArch.LENET5, "TILE", 0.5));
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void compactAndMaskedDenseGiveTheScoresOfTheMaskedModel(ModelArch arch, String granularity, double keep) {
        Model model = Model.init(arch.graph(), 11);
        Map<String, LayerMask> masks = masks(arch, granularity, keep, 5);
        float[] x = inputs(SAMPLES, 3);
        float[] reference = referenceScoreDifferences(model, masks, x);
        for (TierCompiler.Form form : List.of(TierCompiler.Form.COMPACT, TierCompiler.Form.MASKED_DENSE)) {
            float[] scores = TierCompiler.compile(model, masks, form).forward(x, 0, SAMPLES);
            assertArrayEquals(reference, differences(scores), 1e-4f, form + " " + granularity);
            // batch 1 takes the gather path: the same scores
            float[] one = TierCompiler.compile(model, masks, form).forward(x, 2, 1);
            assertArrayEquals(java.util.Arrays.copyOfRange(scores, 20, 30), one, 1e-5f);
        }
        float[] int8 = differences(TierCompiler.compile(model, masks, TierCompiler.Form.COMPACT_INT8).forward(x, 0, SAMPLES));
        double worst = 0;
        for (int i = 0; i < int8.length; i++) worst = Math.max(worst, Math.abs(int8[i] - reference[i]));
        assertTrue(worst < 0.05 * (1 + maxAbs(reference)), "int8 scores within 5% of the float scores: off by " + worst);
    }

    @Test
    void filterTiersStoreExactlyTheWeightsTheMasksLeaveAlive() {
        for (ModelArch arch : ModelArch.values()) {
            Model model = Model.init(arch.graph(), 2);
            Map<String, LayerMask> masks = masks(arch, "FILTER", 0.2, 9);
            CompactNetwork compact = TierCompiler.compile(model, masks, TierCompiler.Form.COMPACT);
            // independent count: a weight survives if its row's neuron/feature map is kept, its input channel is kept
            // by the previous layer, and its own mask keeps it; a bias survives with its row
            long expected = 0;
            boolean[] aliveIn = null;
            for (Layer l : arch.layers()) {
                LayerMask m = masks.get(l.name());
                float[] wm = m.weightMask();
                int rows = l.outputs(), cols = l.fanIn(), perChannel = aliveIn == null ? cols : cols / aliveIn.length;
                boolean filter = m.spec().granularity() == Granularity.FILTER && !l.output();
                boolean[] aliveOut = new boolean[rows];
                for (int o = 0; o < rows; o++) {
                    aliveOut[o] = !filter || m.kept(0, o);
                    if (!aliveOut[o]) continue;
                    expected++;
                    for (int i = 0; i < cols; i++) if (wm[o * cols + i] != 0 && (aliveIn == null || aliveIn[i / perChannel])) expected++;
                }
                aliveIn = aliveOut;
            }
            assertEquals(expected, compact.parameterCount(), arch.id());
            assertTrue(compact.parameterCount() < 0.25 * arch.parameterCount(), arch.id() + ": " + compact.parameterCount());
        }
    }

    @Test
    void weightTiersAtTenPercentStoreAtMostASixthOfTheDenseBytes() {
        Model model = Model.init(ModelArch.LENET300.graph(), 1);
        Map<String, LayerMask> masks = masks(ModelArch.LENET300, "WEIGHT", 0.1, 1);
        long dense = TierCompiler.compile(model, masks, TierCompiler.Form.DENSE).parameterBytes();
        assertEquals(4L * ModelArch.LENET300.graph().parameterCount(), dense);
        long compact = TierCompiler.compile(model, masks, TierCompiler.Form.COMPACT).parameterBytes();
        long int8 = TierCompiler.compile(model, masks, TierCompiler.Form.COMPACT_INT8).parameterBytes();
        assertTrue(compact * 6 <= dense, compact + " vs " + dense);
        assertTrue(int8 * 12 <= dense, int8 + " vs " + dense);
    }

    @Test
    void layersWhoseColumnsKeepManyRowsAreStoredByColumn() {
        Model model = Model.init(ModelArch.LENET300.graph(), 1);
        // 10% keep: fc1 keeps 79 of 784 inputs per row, 300 * 79 / 784 = 30.2 rows per column; fc2 30 of 300, 10 per
        // column; fc3 25 of 100, 2.5 per column
        List<Op> ops = TierCompiler.compile(model, masks(ModelArch.LENET300, "WEIGHT", 0.1, 1), TierCompiler.Form.COMPACT).ops();
        List<String> forms = ops.stream().filter(o -> o instanceof Op.Linear).map(o -> ((Op.Linear) o).weights().getClass().getSimpleName()).toList();
        assertEquals(List.of("KeptColumns", "KeptRuns", "KeptRuns"), forms);
        // LeNet-5 at 25% WEIGHT: conv2 (50 x 500, 125 kept per row) keeps 12.5 rows per column, but a convolution
        // multiplies all positions at once and stays by row; fc1 (500 x 800, 200 per row) keeps 125 per column
        List<Op> l5 = TierCompiler.compile(Model.init(ModelArch.LENET5.graph(), 1), masks(ModelArch.LENET5, "WEIGHT", 0.25, 1),
                TierCompiler.Form.COMPACT).ops();
        assertEquals(List.of("KeptRuns", "KeptRuns"), l5.stream().filter(o -> o instanceof Op.Conv2d)
                .map(o -> ((Op.Conv2d) o).weights().getClass().getSimpleName()).toList());
        assertEquals("KeptColumns", l5.stream().filter(o -> o instanceof Op.Linear).map(o -> ((Op.Linear) o).weights().getClass().getSimpleName())
                .findFirst().orElseThrow());
    }

    @Test
    void aCompactTierIsNeverLargerThanTheDenseModel() {
        Model model = Model.init(ModelArch.LENET300.graph(), 1);
        long dense = 4L * ModelArch.LENET300.graph().parameterCount();
        // at 80% keep a kept weight with its 2-byte column would take 4.8 bytes per weight: such layers stay masked dense
        Map<String, LayerMask> masks = masks(ModelArch.LENET300, "WEIGHT", 0.8, 1);
        assertEquals(dense, TierCompiler.compile(model, masks, TierCompiler.Form.COMPACT).parameterBytes());
        // at 60% (3.6 bytes per kept weight) fc1 and fc2 are smaller as kept runs; the output layer (keep >= 25%, here 60%) too
        long sixty = TierCompiler.compile(model, masks(ModelArch.LENET300, "WEIGHT", 0.6, 1), TierCompiler.Form.COMPACT).parameterBytes();
        assertTrue(sixty < dense, sixty + " vs " + dense);
        // int8 values (1 byte and a 2-byte column) stay kept runs at 80%
        assertTrue(TierCompiler.compile(model, masks, TierCompiler.Form.COMPACT_INT8).parameterBytes() < dense);
    }

    static Map<String, LayerMask> masks(ModelArch arch, String granularity, double keep, long seed) {
        List<MaskSpec> specs = new ArrayList<>();
        if (granularity.equals("TILE")) {
            for (Layer l : arch.layers())
                if (l.fanIn() % 4 == 0) specs.add(MaskSpec.tile(l.name(), l.weightShape(), (int) Math.round(4 * keep), 4));
        } else {
            Granularity g = Granularity.valueOf(granularity);
            specs = MaskSpecs.of(arch.graph(), g, g == Granularity.KERNEL ? Granularity.WEIGHT : g, keep, MaskSpecs.OUTPUT_MIN_KEEP);
        }
        Map<String, LayerMask> out = new LinkedHashMap<>();
        for (MaskSpec s : specs) out.put(s.layer(), new LayerMask(s, Masks.random(s, seed + s.layer().hashCode())));
        return out;
    }

    static float[] inputs(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 784];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    /** Score of class c minus score of class 0, per sample, from the ND4J network's per-sample losses. */
    private static float[] referenceScoreDifferences(Model model, Map<String, LayerMask> masks, float[] x) {
        Map<String, float[]> weightMasks = new LinkedHashMap<>();
        masks.forEach((l, m) -> weightMasks.put(l, m.weightMask()));
        Network net = Network.of(model.masked(weightMasks));
        float[] out = new float[SAMPLES * 10];
        for (int s = 0; s < SAMPLES; s++) {
            double loss0 = loss(net, x, s, 0);
            for (int c = 0; c < 10; c++) out[s * 10 + c] = (float) (loss0 - loss(net, x, s, c));   // loss_c = lse - z_c
        }
        return out;
    }

    /** The cross-entropy of sample {@code s} for label {@code c} (labels are indexed by sample offset). */
    private static double loss(Network net, float[] x, int s, int c) {
        int[] y = new int[s + 1];
        y[s] = c;
        return net.run(x, y, s, 1, false).loss();
    }

    private static float[] differences(float[] scores) {
        float[] d = new float[scores.length];
        for (int i = 0; i < scores.length; i++) d[i] = scores[i] - scores[i / 10 * 10];
        return d;
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }
}
