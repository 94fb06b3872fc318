package io.fedprune.wire;

import java.util.List;

import static io.fedprune.wire.Checks.atLeast;
import static io.fedprune.wire.Checks.orEmpty;
import static io.fedprune.wire.Checks.present;
import static io.fedprune.wire.Checks.text;

/**
 * What a device says about itself in its hello and in every heartbeat.
 *
 * @param deviceId     the device id (record key on the devices topic)
 * @param budget       its pruning budget
 * @param sampleCount  number of local training samples
 * @param capabilities free-form capability tags, e.g. {@code encoding:int8}; copied
 * @param agentVersion the agent's version string, may be empty
 */
public record DeviceProfile(String deviceId, Budget budget, long sampleCount, List<String> capabilities, String agentVersion) {
    public DeviceProfile {
        text(deviceId, "device_id");
        present(budget, "budget");
        atLeast(sampleCount, 0L, "sample_count");
        capabilities = Checks.list(capabilities, "capabilities");
        agentVersion = orEmpty(agentVersion);
    }
}
