package io.fedprune.coordinator.round;

import io.fedprune.wire.BlobRef;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.RoundResult;
import io.fedprune.wire.Update;

import java.util.List;

/**
 * The counts of one round: uplink bytes of everything received, rejections by kind (late, duplicate, any other reason
 * counts as invalid), the slowest accepted device's training time, the mean bits per parameter of accepted updates, and
 * which selected devices dropped out (no accepted update). Not thread-safe.
 */
public final class RoundTally {
    private int late, duplicates, invalid, accepted;
    private long trainMsMax, uplinkBytes;
    private double bitsSum;
    private final java.util.Set<String> acceptedDevices = new java.util.HashSet<>();

    /** Counts the bytes of any received update. */
    public void received(ReceivedUpdate u) {
        uplinkBytes += u.bytes();
    }

    /** Counts a rejection. */
    public void rejected(RejectReason reason) {
        switch (reason) {
            case LATE -> late++;
            case DUPLICATE -> duplicates++;
            default -> invalid++;
        }
    }

    /** Counts an accepted update. */
    public void accepted(Update u) {
        trainMsMax = Math.max(trainMsMax, u.timings().trainMs());
        bitsSum += u.bitsPerParameter();
        accepted++;
        acceptedDevices.add(u.deviceId());
    }

    /** The round's result with these counts; the devices of {@code selected} without an accepted update dropped. */
    public RoundResult result(PruningStrategy.Aggregate a, java.util.Set<String> selected, long elapsedMs, BlobRef fusedLogits) {
        List<String> dropped = selected.stream().filter(d -> !acceptedDevices.contains(d)).sorted().toList();
        return new RoundResult(selected.size(), accepted, late, duplicates, invalid, elapsedMs, trainMsMax, fusedLogits, a.tiers(),
                uplinkBytes, accepted > 0 ? bitsSum / accepted : 0, a.metrics(), dropped);
    }
}
