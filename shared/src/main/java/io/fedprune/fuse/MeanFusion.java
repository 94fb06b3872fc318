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
    public Accumulator begin(List<LayerShape> layers) {
        List<LayerShape> ls = List.copyOf(layers);
        List<WeightedSum> sums = new ArrayList<>();
        for (LayerShape s : ls) sums.add(new WeightedSum(s.size()));
        return new StreamingAccumulator(ls) {
            @Override
            void accumulate(Contribution c) {
                for (int l = 0; l < ls.size(); l++) sums.get(l).add(c.logits().get(l), c.weight());
            }

            @Override
            FusionResult result(double total) {
                List<float[]> mean = new ArrayList<>();
                for (WeightedSum s : sums) mean.add(RowOps.toFloat(s.divided(total)));
                return new FusionResult(mean, mean, count(), total);
            }
        };
    }
}
