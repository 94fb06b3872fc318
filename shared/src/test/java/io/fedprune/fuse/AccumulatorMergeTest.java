package io.fedprune.fuse;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Folding on several accumulators and merging them gives the bits one accumulator gives. */
class AccumulatorMergeTest {
    private static final List<LayerShape> LAYERS = List.of(new LayerShape("a", 30, 50), new LayerShape("b", 7, 11));
    private static final FoldBounds BOUNDS = FoldBounds.of(16, 5000);

    /** 12 devices' logits over six orders of magnitude, with random weights and k. */
    private static List<Contribution> contributions() {
        Random rnd = new Random(11);
        List<Contribution> cs = new ArrayList<>();
        for (int d = 0; d < 12; d++) {
            List<float[]> ls = new ArrayList<>();
            for (LayerShape s : LAYERS) {
                float[] x = new float[s.size()];
                for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(6) - 3));
                ls.add(x);
            }
            cs.add(new Contribution(ls, new int[]{1 + d % 5, 1 + d % 3}, Math.sqrt(1 + rnd.nextInt(5000))));
        }
        return cs;
    }

    @Test
    void mergedPartsGiveTheBitsOfOneFold() {
        List<Contribution> cs = contributions();
        for (Fusion f : Fusion.values()) {
            FusionStrategy s = FusionConfig.of(f).strategy();
            Accumulator one = s.begin(LAYERS, BOUNDS);
            cs.forEach(one::add);
            FusionResult expected = one.finish();
            // three parts of uneven sizes, one of them empty, merged in an order other than the contributions'
            List<Accumulator> parts = List.of(s.begin(LAYERS, BOUNDS), s.begin(LAYERS, BOUNDS), s.begin(LAYERS, BOUNDS));
            for (int i = 0; i < cs.size(); i++) parts.get(i % 5 == 0 ? 0 : 2).add(cs.get(i));
            Accumulator merged = parts.get(2);
            merged.merge(parts.get(1));
            merged.merge(parts.get(0));
            assertEquals(cs.size(), merged.count(), f.name());
            FusionResult actual = merged.finish();
            assertEquals(expected.totalWeight(), actual.totalWeight(), 0.0, f.name());
            assertEquals(expected.contributions(), actual.contributions(), f.name());
            for (int l = 0; l < LAYERS.size(); l++) {
                assertArrayEquals(expected.logits().get(l), actual.logits().get(l), 0f, f + " logits");
                assertArrayEquals(expected.scores().get(l), actual.scores().get(l), 0f, f + " scores");
            }
        }
    }

    @Test
    void onlyTheSameRuleLayersAndBoundsMergeAndNeverBeyondTheBounds() {
        Contribution c = contributions().get(0);
        Accumulator rank = FusionConfig.of(Fusion.RANK).strategy().begin(LAYERS, BOUNDS);
        rank.add(c);
        assertThrows(IllegalArgumentException.class, () -> rank.merge(FusionConfig.of(Fusion.MEAN).strategy().begin(LAYERS, BOUNDS)));
        assertThrows(IllegalArgumentException.class, () -> rank.merge(FusionConfig.of(Fusion.RANK).strategy().begin(LAYERS, FoldBounds.of(16, 50))));
        assertThrows(IllegalArgumentException.class, () -> rank.merge(FusionConfig.of(Fusion.RANK).strategy().begin(LAYERS.subList(0, 1), BOUNDS)));
        assertThrows(IllegalArgumentException.class, () -> rank.merge(FusionConfig.of(Fusion.INCLUSION).strategy().begin(LAYERS, BOUNDS)));
        assertThrows(IllegalArgumentException.class, () -> rank.merge(rank));
        Accumulator median = FusionConfig.of(Fusion.MEDIAN).strategy().begin(LAYERS, BOUNDS);
        assertThrows(IllegalArgumentException.class, () -> median.merge(FusionConfig.of(Fusion.TRIMMED_MEAN).strategy().begin(LAYERS, BOUNDS)));
        // two of one device each fit bounds of 2; a third does not, and the refused merge changed nothing
        FoldBounds two = FoldBounds.of(2, 5000);
        Accumulator a = FusionConfig.of(Fusion.MEAN).strategy().begin(LAYERS, two), b = FusionConfig.of(Fusion.MEAN).strategy().begin(LAYERS, two);
        a.add(c);
        b.add(c);
        Accumulator full = FusionConfig.of(Fusion.MEAN).strategy().begin(LAYERS, two);
        full.add(c);
        full.add(c);
        assertThrows(IllegalArgumentException.class, () -> full.merge(a));
        assertEquals(2, full.count());
        a.merge(b);
        assertEquals(2, a.count());
        assertArrayEquals(full.finish().logits().get(0), a.finish().logits().get(0), 0f);
    }
}
