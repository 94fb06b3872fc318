package io.fedprune.wire;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

import static io.fedprune.wire.Checks.keepRatio;
import static io.fedprune.wire.Checks.text;

/**
 * One budget tier's result in a round.
 *
 * @param tier     tier name
 * @param keep     its keep ratio, in (0, 1]
 * @param layers   its spec per layer; copied
 * @param accuracy held-out accuracy in [0, 1], if evaluated
 * @param metrics  further finite figures, e.g. {@code confidence/fc1}, {@code validation_accuracy}; copied, sorted
 * @param masks    the tier's group masks in this round (one float32 0/1 tensor per layer, named by layer), stored when
 *                 this round became the tier's best on the coordinator's validation split so far; null otherwise
 */
public record TierResult(String tier, double keep, List<LayerSpec> layers, OptionalDouble accuracy, Map<String, Double> metrics,
                         BlobRef masks) {
    /** The metric holding the tier's accuracy on the coordinator's validation split. */
    public static final String VALIDATION_ACCURACY = "validation_accuracy";

    public TierResult {
        text(tier, "tier_result.tier");
        keepRatio(keep, "tier_result.keep");
        layers = Checks.list(layers, "tier_result.layers");
        accuracy = accuracy == null ? OptionalDouble.empty() : accuracy;
        if (accuracy.isPresent()) Checks.fraction(accuracy.getAsDouble(), "tier_result.accuracy");
        metrics = Checks.finiteValues(metrics, "tier_result.metrics");
    }

    /** A tier result without stored masks. */
    public TierResult(String tier, double keep, List<LayerSpec> layers, OptionalDouble accuracy, Map<String, Double> metrics) {
        this(tier, keep, layers, accuracy, metrics, null);
    }

    /** This result with its masks stored at {@code ref}. */
    public TierResult withMasks(BlobRef ref) {
        return new TierResult(tier, keep, layers, accuracy, metrics, ref);
    }
}
