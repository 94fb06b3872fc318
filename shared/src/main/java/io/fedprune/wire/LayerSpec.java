package io.fedprune.wire;

import static io.fedprune.wire.Checks.atLeast;
import static io.fedprune.wire.Checks.bad;
import static io.fedprune.wire.Checks.present;
import static io.fedprune.wire.Checks.text;

/**
 * How one prunable layer is masked: keep {@code k} of every {@code n} candidates in each group.
 *
 * @param layer       layer name, e.g. {@code fc1}
 * @param granularity how weights are grouped
 * @param n           candidates per group, {@code >= 1}
 * @param k           kept per group, {@code 1 <= k <= n}
 */
public record LayerSpec(String layer, Granularity granularity, int n, int k) {
    public LayerSpec {
        text(layer, "layer");
        present(granularity, "layer '" + layer + "' granularity");
        atLeast(n, 1, "layer '" + layer + "' n");
        atLeast(k, 1, "layer '" + layer + "' k");
        if (k > n) throw bad("layer '" + layer + "' k must be <= n = " + n + ", was " + k);
    }
}
