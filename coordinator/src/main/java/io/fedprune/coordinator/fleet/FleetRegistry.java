package io.fedprune.coordinator.fleet;

import io.fedprune.wire.DeviceProfile;
import io.fedprune.wire.DeviceState;
import io.fedprune.wire.Timings;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The fleet as seen on {@code fedprune.devices}: the last hello/heartbeat per device. Thread-safe. */
public final class FleetRegistry {
    private final Map<String, DeviceRecord> devices = new ConcurrentHashMap<>();
    private final Map<String, Participation> participation = new ConcurrentHashMap<>();

    /**
     * The rounds a device sent an update for (distinct job/round pairs) and the timings it reported for the latest.
     *
     * @param rounds  rounds taken part in
     * @param trainMs its latest local training time
     * @param roundMs its latest fetch + train + encode + upload time
     */
    public record Participation(int rounds, long trainMs, long roundMs, java.util.Set<String> seen) {
        static final Participation NONE = new Participation(0, 0, 0, java.util.Set.of());
    }
    private final long liveMs;

    /** @param liveMs a device counts as alive this long after its last hello or heartbeat */
    public FleetRegistry(long liveMs) {
        this.liveMs = liveMs;
    }

    /** Records a hello or heartbeat. */
    public void seen(DeviceProfile profile, DeviceState state, long nowMs) {
        devices.put(profile.deviceId(), new DeviceRecord(profile, state, nowMs));
    }

    /** Records an update of a device for a job's round. */
    public void tookPart(String deviceId, String jobId, int round, Timings t) {
        participation.compute(deviceId, (id, p) -> {
            java.util.Set<String> seen = new java.util.HashSet<>(p == null ? java.util.Set.of() : p.seen());
            seen.add(jobId + "/" + round);
            return new Participation(seen.size(), t.trainMs(), t.fetchMs() + t.trainMs() + t.encodeMs() + t.uploadMs(), seen);
        });
    }

    /** What a device took part in so far. */
    public Participation participation(String deviceId) {
        return participation.getOrDefault(deviceId, Participation.NONE);
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
