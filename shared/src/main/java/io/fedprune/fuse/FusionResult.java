package io.fedprune.fuse;

import java.util.List;

/**
 * The outcome of fusing one round.
 *
 * @param scores        per layer, the fused per-group scores whose top-k per row gives each tier's mask
 *                      (higher = keep first); for MEAN, TRIMMED_MEAN and MEDIAN these are the fused logits themselves, for
 *                      RANK and INCLUSION the per-row rank (0 = lowest, ties averaged) of the fused score
 * @param logits        per layer, the fused logits: the next round's global logits (before any server optimiser)
 * @param contributions number of devices fused
 * @param totalWeight   sum of their weights
 */
public record FusionResult(List<float[]> scores, List<float[]> logits, int contributions, double totalWeight) {
    public FusionResult {
        scores = List.copyOf(scores);
        logits = List.copyOf(logits);
    }
}
