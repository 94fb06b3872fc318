package io.fedprune.wire;

import static io.fedprune.wire.Checks.atLeast;
import static io.fedprune.wire.Checks.finite;
import static io.fedprune.wire.Checks.fraction;

/**
 * A device's own view of its round: loss and accuracy on its local data before and after training.
 *
 * @param lossBefore     finite
 * @param lossAfter      finite
 * @param accuracyBefore fraction in [0, 1]
 * @param accuracyAfter  fraction in [0, 1]
 * @param evalSamples    samples the accuracies were measured on
 */
public record LocalMetrics(double lossBefore, double lossAfter, double accuracyBefore, double accuracyAfter, long evalSamples) {
    public LocalMetrics {
        finite(lossBefore, "metrics.loss_before");
        finite(lossAfter, "metrics.loss_after");
        fraction(accuracyBefore, "metrics.accuracy_before");
        fraction(accuracyAfter, "metrics.accuracy_after");
        atLeast(evalSamples, 0L, "metrics.eval_samples");
    }
}
