package io.fedprune.coordinator.round;

import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.model.Tensor;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.LocalMetrics;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.Rejection;
import io.fedprune.wire.TensorEncoding;
import io.fedprune.wire.Timings;
import io.fedprune.wire.Update;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Each check of an update, in order, with the typed reason it gives. */
class UpdateValidatorTest {
    // one layer "a": 2 groups of 3 candidates
    private static final JobLayers LAYERS = new JobLayers(List.of(MaskSpec.ofK("a", Granularity.WEIGHT, new int[]{2, 3}, 1)));
    private static final long DEADLINE = 1_000;

    private static UpdateValidator validator() {
        return new UpdateValidator(3, DEADLINE, Map.of("d1", new int[]{2}, "d2", new int[]{1}), LAYERS, Map.of("d1", 100L, "d2", 100L));
    }

    private static ReceivedUpdate update(int round, String device, int k, long samples, float... logits) {
        return update(round, round - 1, device, k, samples, new int[]{2, logits.length / 2}, logits);
    }

    private static ReceivedUpdate update(int round, int baseRound, String device, int k, long samples, int[] shape, float... logits) {
        Update u = new Update(device, LAYERS.layerSpecs(new int[]{k}), new BlobRef("b", "0".repeat(64), 1, 1, ""), List.of(),
                TensorEncoding.FLOAT32, samples, new LocalMetrics(1, 0.5, 0.5, 0.9, samples), new Timings(0, 5, 0, 0), baseRound, 32, new byte[0]);
        return ReceivedUpdate.of("j", round, u, List.of(new Tensor("a", shape, logits)), 10, null, new byte[0]);
    }

    @Test
    void hostileUpdatesThatDecodeAreRefusedOrCapped() {
        // the right element count in the wrong (transposed) shape
        var t = assertInstanceOf(UpdateValidator.Rejected.class, validator().check(update(3, 2, "d1", 2, 7, new int[]{3, 2}, 1, 2, 3, 4, 5, 6), 500));
        assertEquals(RejectReason.SHAPE_MISMATCH, t.reason());
        assertEquals("shape: layer a has shape [3, 2], expected [2, 3]", t.rejection().detail());
        // an earlier round's update re-wrapped in this round's envelope
        var b = assertInstanceOf(UpdateValidator.Rejected.class, validator().check(update(3, 0, "d1", 2, 7, new int[]{2, 3}, 1, 2, 3, 4, 5, 6), 500));
        assertEquals(RejectReason.INVALID_FIELD, b.reason());
        assertTrue(b.rejection().detail().startsWith("base round 0 is not round 2"), b.rejection().detail());
        // a self-reported sample count of 1e9 weighs as the 100 the device registered
        var a = assertInstanceOf(UpdateValidator.Accepted.class, validator().check(update(3, "d1", 2, 1_000_000_000L, 1, 2, 3, 4, 5, 6), 500));
        assertEquals(100, a.sampleCount());
    }

    private static RejectReason reason(UpdateValidator.Verdict v) {
        return assertInstanceOf(UpdateValidator.Rejected.class, v).reason();
    }

    @Test
    void aGoodUpdateIsAcceptedWithItsLogitsAndK() {
        var a = assertInstanceOf(UpdateValidator.Accepted.class, validator().check(update(3, "d1", 2, 7, 1, 2, 3, 4, 5, 6), 500));
        assertEquals("d1", a.deviceId());
        assertArrayEquals(new int[]{2}, a.k());
        assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, a.logits().get(0));
        assertEquals(7, a.sampleCount());
    }

    @Test
    void anotherRoundOrPastTheDeadlineIsLate() {
        assertEquals(RejectReason.LATE, reason(validator().check(update(2, "d1", 2, 7, 1, 2, 3, 4, 5, 6), 500)));
        assertEquals(RejectReason.LATE, reason(validator().check(update(3, "d1", 2, 7, 1, 2, 3, 4, 5, 6), DEADLINE + 1)));
        assertInstanceOf(UpdateValidator.Accepted.class, validator().check(update(3, "d1", 2, 7, 1, 2, 3, 4, 5, 6), DEADLINE), "at the deadline still counts");
    }

    @Test
    void aDecodingErrorKeepsItsOwnReason() {
        ReceivedUpdate bad = ReceivedUpdate.failed("j", 3, "d1", new Rejection(RejectReason.CHECKSUM_MISMATCH, "sha"), 5, null, new byte[0]);
        var r = assertInstanceOf(UpdateValidator.Rejected.class, validator().check(bad, 500));
        assertEquals(new Rejection(RejectReason.CHECKSUM_MISMATCH, "sha"), r.rejection());
    }

    @Test
    void unselectedDevicesWrongKAndNoSamplesAreInvalidFields() {
        assertEquals(RejectReason.INVALID_FIELD, reason(validator().check(update(3, "d9", 2, 7, 1, 2, 3, 4, 5, 6), 500)));
        assertEquals(RejectReason.INVALID_FIELD, reason(validator().check(update(3, "d2", 2, 7, 1, 2, 3, 4, 5, 6), 500)), "d2 was assigned k = 1");
        assertEquals(RejectReason.INVALID_FIELD, reason(validator().check(update(3, "d1", 2, 0, 1, 2, 3, 4, 5, 6), 500)));
    }

    @Test
    void missingOrMisShapedLogitsAreShapeMismatchesAndValuesAreTheFoldsToCheck() {
        assertEquals(RejectReason.SHAPE_MISMATCH, reason(validator().check(update(3, "d1", 2, 7, 1, 2, 3, 4), 500)));
        ReceivedUpdate renamed = ReceivedUpdate.of("j", 3, update(3, "d1", 2, 7, 1, 2, 3, 4, 5, 6).update(),
                List.of(new Tensor("b", new int[]{2, 3}, new float[6])), 10, null, new byte[0]);
        assertEquals(RejectReason.SHAPE_MISMATCH, reason(validator().check(renamed, 500)));
        // NaN passes the validator: the fold checks values in the pass that adds them (PruningStrategyTest, JobRunnerTest)
        assertInstanceOf(UpdateValidator.Accepted.class, validator().check(update(3, "d1", 2, 7, 1, 2, Float.NaN, 4, 5, 6), 500));
        // row ranks reach the fold in the job's layer order
        ReceivedUpdate ranked = ReceivedUpdate.of("j", 3, update(3, "d1", 2, 7, 1, 2, 3, 4, 5, 6).update(),
                List.of(new Tensor("a", new int[]{2, 3}, new float[]{1, 2, 3, 6, 5, 4})), java.util.Map.of("a", new int[]{0, 2, 4, 4, 2, 0}), 10, null, new byte[0]);
        var accepted = assertInstanceOf(UpdateValidator.Accepted.class, validator().check(ranked, 500));
        assertArrayEquals(new int[]{0, 2, 4, 4, 2, 0}, accepted.rowRanks().get(0));
        assertEquals(List.of(), assertInstanceOf(UpdateValidator.Accepted.class, validator().check(update(3, "d1", 2, 7, 1, 2, 3, 4, 5, 6), 500)).rowRanks());
    }

    @Test
    void aSecondUpdateAfterAnAcceptedOneIsADuplicate() {
        UpdateValidator v = validator();
        assertInstanceOf(UpdateValidator.Accepted.class, v.check(update(3, "d1", 2, 7, 1, 2, 3, 4, 5, 6), 500));
        assertInstanceOf(UpdateValidator.Accepted.class, v.check(update(3, "d1", 2, 7, 1, 2, 3, 4, 5, 6), 500), "not folded in yet");
        v.accepted("d1");
        assertEquals(RejectReason.DUPLICATE, reason(v.check(update(3, "d1", 2, 7, 1, 2, 3, 4, 5, 6), 500)));
        assertEquals(RejectReason.LATE, reason(v.check(update(4, "d1", 2, 7, 1, 2, 3, 4, 5, 6), 500)), "lateness is checked first");
    }
}
