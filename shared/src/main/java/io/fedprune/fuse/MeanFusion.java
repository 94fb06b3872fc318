package io.fedprune.fuse;

import java.util.ArrayList;
import java.util.List;

/** {@link Fusion#MEAN}: weighted mean of the logits. */
final class MeanFusion implements FusionStrategy {

    @Override
    public Fusion kind() {
        return Fusion.MEAN;
    }

    @Override
    public Accumulator begin(List<LayerShape> layers, FoldBounds bounds) {
        List<LayerShape> ls = List.copyOf(layers);
        List<FixedSum> sums = new ArrayList<>();
        for (LayerShape s : ls) sums.add(new FixedSum(s.size(), bounds.maxAbsLogit(), bounds));
        return new StreamingAccumulator(ls, bounds) {
            @Override
            void accumulate(Contribution c) {
                for (int l = 0; l < ls.size(); l++) {
                    float[] x = c.logits().get(l);
                    if (!sums.get(l).add(x, 0, x.length, c.weight())) {
                        for (int u = 0; u <= l; u++) sums.get(u).add(c.logits().get(u), 0, c.logits().get(u).length, -c.weight());   // exact undo
                        throw outOfRange(ls.get(l), x);
                    }
                }
            }

            @Override
            List<FixedSum> sums() {
                return sums;
            }

            @Override
            FusionResult result(double total) {
                List<float[]> mean = new ArrayList<>();
                for (FixedSum s : sums) mean.add(s.dividedToFloat(total));
                return new FusionResult(mean, mean, count(), total);
            }
        };
    }
}
