package io.fedprune.coordinator.round;

import io.fedprune.wire.BlobRef;
import io.fedprune.wire.LocalMetrics;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.RoundResult;
import io.fedprune.wire.TensorEncoding;
import io.fedprune.wire.Timings;
import io.fedprune.wire.Update;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class RoundTallyTest {
    private static ReceivedUpdate update(long trainMs, double bits, long bytes) {
        return update("d", trainMs, bits, bytes);
    }

    private static ReceivedUpdate update(String device, long trainMs, double bits, long bytes) {
        Update u = new Update(device, List.of(new io.fedprune.wire.LayerSpec("a", io.fedprune.wire.Granularity.WEIGHT, 3, 1)),
                new BlobRef("b", "0".repeat(64), 1, 1, ""), List.of(), TensorEncoding.FLOAT32, 1,
                new LocalMetrics(1, 0.5, 0.5, 0.9, 1), new Timings(0, trainMs, 0, 0), 0, bits, new byte[0]);
        return ReceivedUpdate.of("j", 1, u, List.of(), bytes, null, new byte[0]);
    }

    @Test
    void countsBytesOfEverythingRejectionsByKindAndAcceptedUpdatesStatistics() {
        RoundTally t = new RoundTally();
        ReceivedUpdate a = update("d1", 40, 32, 100), b = update("d3", 70, 8, 50), c = update("d4", 900, 4, 7);
        for (ReceivedUpdate u : List.of(a, b, c)) t.received(u);
        t.accepted(a.update());
        t.accepted(b.update());
        t.rejected(RejectReason.LATE);
        t.rejected(RejectReason.DUPLICATE);
        t.rejected(RejectReason.NON_FINITE);
        t.rejected(RejectReason.MALFORMED);
        RoundResult r = t.result(new PruningStrategy.Aggregate(List.of(), List.of(), true, Map.of("x", 1.0), List.of()),
                java.util.Set.of("d1", "d2", "d3", "d4", "d5"), 123, null);
        assertEquals(5, r.selected());
        assertEquals(2, r.replied());
        assertEquals(1, r.late());
        assertEquals(1, r.duplicates());
        assertEquals(2, r.invalid());
        assertEquals(123, r.durationMs());
        assertEquals(70, r.trainMsMax(), "the slowest accepted device, not the rejected one");
        assertEquals(157, r.uplinkBytes());
        assertEquals(20.0, r.uplinkBitsPerParameter(), 1e-12);   // (32 + 8) / 2
        assertEquals(Map.of("x", 1.0), r.metrics());
        assertEquals(List.of("d2", "d4", "d5"), r.dropped(), "selected without an accepted update: no reply (d2, d5) or rejected (d4)");
    }

    @Test
    void noAcceptedUpdatesMeansZeroBits() {
        RoundResult r = new RoundTally().result(new PruningStrategy.Aggregate(List.of(), List.of(), false, Map.of(), List.of()), java.util.Set.of("d"), 5, null);
        assertEquals(0, r.replied());
        assertEquals(0.0, r.uplinkBitsPerParameter());
        assertEquals(List.of("d"), r.dropped());
    }
}
