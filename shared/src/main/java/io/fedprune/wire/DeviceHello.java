package io.fedprune.wire;

import static io.fedprune.wire.Checks.present;

/**
 * A device registers (topic {@code fedprune.devices}, key: device id).
 *
 * @param profile the device's budget, sample count, capabilities and version
 */
public record DeviceHello(DeviceProfile profile) implements Message {
    public DeviceHello {
        present(profile, "device_hello.profile");
    }

    @Override
    public MessageType type() {
        return MessageType.DEVICE_HELLO;
    }
}
