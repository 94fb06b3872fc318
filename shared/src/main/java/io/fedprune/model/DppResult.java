package io.fedprune.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Outcome of {@link DppTrainer#train}.
 *
 * <p>Maps are unmodifiable and in layer order; their arrays are handed over without copying.
 *
 * @param logits         trained logits per layer name, {@code float[G * n]}
 * @param groupMasks     final deterministic masks (top-k of the logits) per layer name, {@code float[G * n]} 0/1
 * @param metrics        confidence and diversity per layer name
 * @param before         loss and accuracy on the training data with the initial logits' top-k masks (null if not
 *                       evaluated)
 * @param after          the same with the final masks (null if not evaluated)
 * @param firstEpochLoss mean sampled-mask training loss of the first epoch
 * @param lastEpochLoss  mean sampled-mask training loss of the last epoch
 * @param steps          optimiser steps taken
 * @param millis         wall time of the training loop
 * @param weights        the trained weights in joint training, else null (the frozen model is unchanged)
 */
public record DppResult(Map<String, float[]> logits, Map<String, float[]> groupMasks, Map<String, LayerMetrics> metrics,
                        Network.Evaluation before, Network.Evaluation after, double firstEpochLoss, double lastEpochLoss,
                        long steps, long millis, Model weights) {
    public DppResult {
        logits = ordered(logits);
        groupMasks = ordered(groupMasks);
        metrics = ordered(metrics);
    }

    /** An unmodifiable copy that keeps the layer order (the arrays themselves are not copied). */
    private static <V> Map<String, V> ordered(Map<String, V> m) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }

    /** Mean wall time per step in milliseconds. */
    public double millisPerStep() {
        return steps == 0 ? 0 : (double) millis / steps;
    }
}
