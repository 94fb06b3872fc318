package io.fedprune.coordinator.fleet;

import io.fedprune.wire.DeviceProfile;
import io.fedprune.wire.DeviceState;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The fleet as seen on {@code fedprune.devices}: the last hello/heartbeat per device. Thread-safe. */
public final class FleetRegistry {
    private final Map<String, DeviceRecord> devices = new ConcurrentHashMap<>();
    private final long liveMs;

    /** @param liveMs a device counts as alive this long after its last hello or heartbeat */
    public FleetRegistry(long liveMs) {
        this.liveMs = liveMs;
    }

    /** Records a hello or heartbeat. */
    public void seen(DeviceProfile profile, DeviceState state, long nowMs) {
        devices.put(profile.deviceId(), new DeviceRecord(profile, state, nowMs));
    }

    /** Every device ever seen, by id. */
    public List<DeviceRecord> all() {
        return devices.values().stream().sorted(Comparator.comparing(d -> d.profile().deviceId())).toList();
    }

    /** Devices seen within the liveness window and not leaving, by id. */
    public List<DeviceRecord> alive(long nowMs) {
        return all().stream().filter(d -> nowMs - d.lastSeenMs() <= liveMs && d.state() != DeviceState.LEAVING).toList();
    }

    /** Whether a device counts as alive now. */
    public boolean isAlive(DeviceRecord d, long nowMs) {
        return nowMs - d.lastSeenMs() <= liveMs && d.state() != DeviceState.LEAVING;
    }
}
