package io.fedprune.wire;

import static io.fedprune.wire.Checks.present;

/**
 * A device is alive (topic {@code fedprune.devices}, key: device id). Self-contained because the topic is
 * compacted: a late reader sees only each device's last record.
 *
 * @param profile the device's budget, sample count, capabilities and version
 * @param state   what it is doing
 */
public record Heartbeat(DeviceProfile profile, DeviceState state) implements Message {
    public Heartbeat {
        present(profile, "heartbeat.profile");
        present(state, "heartbeat.state");
    }

    @Override
    public MessageType type() {
        return MessageType.HEARTBEAT;
    }
}
