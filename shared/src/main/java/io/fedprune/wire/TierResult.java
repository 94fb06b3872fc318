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
 * @param metrics  further finite figures, e.g. {@code confidence/fc1}; copied, sorted
 */
public record TierResult(String tier, double keep, List<LayerSpec> layers, OptionalDouble accuracy, Map<String, Double> metrics) {
    public TierResult {
        text(tier, "tier_result.tier");
        keepRatio(keep, "tier_result.keep");
        layers = Checks.list(layers, "tier_result.layers");
        accuracy = accuracy == null ? OptionalDouble.empty() : accuracy;
        if (accuracy.isPresent()) Checks.fraction(accuracy.getAsDouble(), "tier_result.accuracy");
        metrics = Checks.finiteValues(metrics, "tier_result.metrics");
    }
}
