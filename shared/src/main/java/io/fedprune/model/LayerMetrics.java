package io.fedprune.model;

import io.fedprune.dpp.MaskSpec;
import io.fedprune.dpp.Masks;
import io.fedprune.dpp.Metrics;

/**
 * Mask metrics of one layer after training (formulas in {@link Metrics}).
 *
 * @param layer      layer name
 * @param confidence 1 - normalised entropy of the inclusion probabilities of the logits, mean over groups, in [0, 1]
 * @param diversity  normalised entropy of the mean selection frequency of the final mask, in [0, 1]
 */
public record LayerMetrics(String layer, double confidence, double diversity) {

    /** Metrics of trained logits and their final (top-k) mask. */
    public static LayerMetrics of(MaskSpec spec, float[] logits) {
        return new LayerMetrics(spec.layer(), Metrics.confidence(logits, spec), Metrics.diversity(Masks.topK(logits, spec), spec));
    }
}
