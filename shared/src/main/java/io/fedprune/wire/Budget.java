package io.fedprune.wire;

import java.util.Map;

import static io.fedprune.wire.Checks.atLeast;
import static io.fedprune.wire.Checks.bad;
import static io.fedprune.wire.Checks.keepRatio;

/**
 * A device's pruning budget: a keep ratio, a k per layer, or both (a per-layer k wins for the layers it names).
 *
 * @param keep       fraction of weights kept, in (0, 1]; 0 = not given
 * @param kPerLayer  k per layer name (each {@code >= 1}); may be empty; copied, sorted by layer name
 */
public record Budget(double keep, Map<String, Integer> kPerLayer) {
    public Budget {
        if (keep != 0) keepRatio(keep, "budget.keep");
        kPerLayer = Checks.map(kPerLayer, "budget.k_per_layer");
        kPerLayer.forEach((layer, k) -> atLeast(k, 1, "budget.k_per_layer[" + layer + "]"));
        if (keep == 0 && kPerLayer.isEmpty()) throw bad("budget needs a keep ratio or a k per layer");
    }

    /** A budget given as a keep ratio only. */
    public static Budget ofKeep(double keep) {
        return new Budget(keep, null);
    }

    /** A budget given as k per layer (and no keep ratio). */
    public static Budget ofK(Map<String, Integer> kPerLayer) {
        return new Budget(0, kPerLayer);
    }
}
