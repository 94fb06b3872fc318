package io.fedprune.wire;

import java.util.List;

import static io.fedprune.wire.Checks.bad;
import static io.fedprune.wire.Checks.nonEmpty;
import static io.fedprune.wire.Checks.text;

/**
 * A device selected for a round and the k it must use per layer.
 *
 * @param deviceId     the device
 * @param layers       one spec per prunable layer (granularity, n, k); copied
 * @param smallerTiers nested training: the job's smaller tiers within the device's budget, smallest first, each the
 *                     same layers (names, granularity, n, in order) at a k no larger than {@code layers}'; the device
 *                     cycles its steps over them and {@code layers}. Empty: its own k only. Copied
 */
public record DeviceAssignment(String deviceId, List<LayerSpec> layers, List<List<LayerSpec>> smallerTiers) {
    public DeviceAssignment {
        text(deviceId, "assignment.device_id");
        layers = nonEmpty(layers, "assignment '" + deviceId + "' layers");
        smallerTiers = smallerTiers == null ? List.of() : smallerTiers.stream().map(List::copyOf).toList();
        for (List<LayerSpec> tier : smallerTiers) {
            if (tier.size() != layers.size())
                throw bad("assignment '" + deviceId + "' smaller tier has " + tier.size() + " layers, its own " + layers.size());
            for (int i = 0; i < tier.size(); i++) {
                LayerSpec s = tier.get(i), own = layers.get(i);
                if (!s.layer().equals(own.layer()) || s.granularity() != own.granularity() || s.n() != own.n() || s.k() > own.k())
                    throw bad("assignment '" + deviceId + "' smaller tier layer '" + s.layer() + "' (k=" + s.k() + " of n=" + s.n()
                            + ") does not nest in '" + own.layer() + "' (k=" + own.k() + " of n=" + own.n() + ")");
            }
        }
    }

    /** An assignment at the device's own k only. */
    public DeviceAssignment(String deviceId, List<LayerSpec> layers) {
        this(deviceId, layers, List.of());
    }
}
