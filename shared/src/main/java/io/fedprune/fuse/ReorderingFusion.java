package io.fedprune.fuse;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link Fusion#RANK} and {@link Fusion#INCLUSION}: a weighted mean of a per-row score (rank, inclusion probability)
 * plus the weighted mean of the logits, which the fused score re-orders into the next round's logits.
 */
record ReorderingFusion(Fusion kind, double temperature) implements FusionStrategy {

    @Override
    public Accumulator begin(List<LayerShape> layers) {
        List<LayerShape> ls = List.copyOf(layers);
        List<WeightedSum> scoreSums = new ArrayList<>();
        List<WeightedSum> logitSums = new ArrayList<>();
        List<RowOps.Ranker> rankers = new ArrayList<>();
        for (LayerShape s : ls) {
            scoreSums.add(new WeightedSum(s.size()));
            logitSums.add(new WeightedSum(s.size()));
            rankers.add(new RowOps.Ranker(s.n()));
        }
        return new StreamingAccumulator(ls) {
            @Override
            void accumulate(Contribution c) {
                for (int l = 0; l < ls.size(); l++) {
                    float[] x = c.logits().get(l);
                    if (kind == Fusion.RANK) {                                   // row by row: no model-sized temporary
                        int n = ls.get(l).n();
                        double[] row = new double[n];
                        for (int off = 0; off < x.length; off += n) {
                            rankers.get(l).rank(x, off, row, 0);
                            scoreSums.get(l).add(off, row, n, c.weight());
                        }
                    } else {
                        scoreSums.get(l).add(RowOps.inclusion(x, ls.get(l), c.k()[l], temperature), c.weight());
                    }
                    logitSums.get(l).add(x, c.weight());
                }
            }

            @Override
            FusionResult result(double total) {
                List<float[]> scores = new ArrayList<>();
                List<float[]> logits = new ArrayList<>();
                for (int l = 0; l < ls.size(); l++) {
                    int size = ls.get(l).size();
                    float[] rank = new float[size], next = new float[size];
                    RowOps.reorder(scoreSums.get(l).divided(total), logitSums.get(l).divided(total), ls.get(l), next, rank);
                    scores.add(rank);
                    logits.add(next);
                }
                return new FusionResult(scores, logits, count(), total);
            }
        };
    }
}
