package io.fedprune.fuse;

import java.util.ArrayList;
import java.util.List;

/**
 * Fusion of devices' k-hot masks (the {@code MASK} update encoding, at most 1 bit per parameter), as FedPM fuses
 * Bernoulli masks: each candidate's score is its weighted inclusion frequency, the weighted mean of the devices'
 * 0/1 masks (what {@link Fusion#MEAN} computes over them), ties broken by the broadcast global logits. The coordinator
 * has no device logits to average, so the next round's logits are the global logits' own values per row re-ordered
 * by that score (the same mapping as {@link Fusion#RANK}'s): the candidate with the i-th smallest score gets the
 * i-th smallest global logit.
 */
public final class InclusionCounts {
    /** Weight of the global logits' rank in a score: far below any difference of two inclusion frequencies. */
    private static final double TIE_BREAK = 1e-9;

    private InclusionCounts() {
    }

    /**
     * @param meanOfMasks the {@link Fusion#MEAN} result over the devices' 0/1 masks (scores = inclusion frequencies)
     * @param global      the logits broadcast for this round, per layer
     * @param layers      the layers' shapes
     * @return scores = per-row rank of (frequency, global logit); logits = the re-ordered global logits
     */
    public static FusionResult fuse(FusionResult meanOfMasks, List<float[]> global, List<LayerShape> layers) {
        List<float[]> scores = new ArrayList<>(), logits = new ArrayList<>();
        for (int l = 0; l < layers.size(); l++) {
            LayerShape s = layers.get(l);
            float[] freq = meanOfMasks.scores().get(l), g = global.get(l);
            double[] tieRank = RowOps.ranks(g, s), score = new double[s.size()], values = new double[s.size()];
            for (int i = 0; i < score.length; i++) {
                score[i] = freq[i] + TIE_BREAK * tieRank[i] / s.n();
                values[i] = g[i];
            }
            float[] rank = new float[s.size()], next = new float[s.size()];
            RowOps.reorder(score, values, s, next, rank);
            scores.add(rank);
            logits.add(next);
        }
        return new FusionResult(scores, logits, meanOfMasks.contributions(), meanOfMasks.totalWeight());
    }
}
