package io.fedprune.coordinator.fleet;

import io.fedprune.wire.DeviceProfile;
import io.fedprune.wire.DeviceState;

/**
 * What the coordinator knows about one device.
 *
 * @param profile    its last hello or heartbeat
 * @param state      its last reported state
 * @param lastSeenMs when that arrived (coordinator clock, epoch ms)
 */
public record DeviceRecord(DeviceProfile profile, DeviceState state, long lastSeenMs) {
}
