package io.fedprune.wire;

import java.util.List;

import static io.fedprune.wire.Checks.nonEmpty;
import static io.fedprune.wire.Checks.text;

/**
 * A device selected for a round and the k it must use per layer.
 *
 * @param deviceId the device
 * @param layers   one spec per prunable layer (granularity, n, k); copied
 */
public record DeviceAssignment(String deviceId, List<LayerSpec> layers) {
    public DeviceAssignment {
        text(deviceId, "assignment.device_id");
        layers = nonEmpty(layers, "assignment '" + deviceId + "' layers");
    }
}
