package io.fedprune.coordinator.round;

import io.fedprune.fuse.LayerShape;
import io.fedprune.model.Tensor;
import io.fedprune.wire.LayerSpec;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.Rejection;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks the updates of one round, in this order: late (another round, or after the deadline), undecodable, from a
 * device that was not selected, a second one from the same device, a k that differs from the assignment, a base
 * round other than the previous round (an earlier update re-wrapped), a sample count below 1, missing logits or logits
 * of another shape (the element count is not enough: a transposed layer has the same count). The first failing check
 * is the verdict. The values themselves (finite, within the fold's bounds, row ranks that look like rankings) are checked by
 * the fusion in the pass that folds them ({@link PruningStrategy.Fold#add}: a typed rejection, nothing changed). A self-reported sample count above the one the device registered is capped at
 * the registered one.
 */
public final class UpdateValidator {

    /** What the validator decided about one update. */
    public sealed interface Verdict permits Accepted, Rejected {
    }

    /**
     * An update that passed every check.
     *
     * @param deviceId    the device
     * @param k           its assigned k per layer
     * @param logits      its logits per layer, in the job's layer order
     * @param sampleCount the sample count it reported, capped at the one it registered
     * @param rowRanks    the row ranks it sent with its logits, per layer (see {@link io.fedprune.fuse.Contribution#ranks});
     *                    empty if none
     */
    public record Accepted(String deviceId, int[] k, List<float[]> logits, long sampleCount, List<int[]> rowRanks) implements Verdict {
        /** An update without row ranks. */
        public Accepted(String deviceId, int[] k, List<float[]> logits, long sampleCount) {
            this(deviceId, k, logits, sampleCount, List.of());
        }
    }

    /** An update that failed a check: the reason counted and dead-lettered, and a detail naming the check. */
    public record Rejected(Rejection rejection) implements Verdict {
        public Rejected(RejectReason reason, String detail) {
            this(new Rejection(reason, detail));
        }

        public RejectReason reason() {
            return rejection.reason();
        }
    }

    private final int round;
    private final long deadline;
    private final Map<String, int[]> selected;
    private final JobLayers layers;
    private final List<LayerShape> shapes;
    private final Map<String, Long> registeredSamples;
    private final Set<String> accepted = new HashSet<>();

    /**
     * @param round    the round in progress
     * @param deadline its deadline (clock milliseconds)
     * @param selected the selected devices and their k per layer
     * @param layers   the job's layers
     * @param registeredSamples the sample counts the devices registered (a device without one is not capped)
     */
    public UpdateValidator(int round, long deadline, Map<String, int[]> selected, JobLayers layers, Map<String, Long> registeredSamples) {
        this.registeredSamples = Map.copyOf(registeredSamples);
        this.round = round;
        this.deadline = deadline;
        this.selected = selected;
        this.layers = layers;
        this.shapes = layers.shapes();
    }

    /** The verdict on an update received at clock time {@code now}. */
    public Verdict check(ReceivedUpdate u, long now) {
        if (u.round() != round || now > deadline)
            return new Rejected(RejectReason.LATE, "update for round " + u.round() + " arrived during round " + round);
        if (u.error() != null) return new Rejected(u.error());
        String id = u.deviceId();
        if (!selected.containsKey(id))
            return new Rejected(RejectReason.INVALID_FIELD, "device " + id + " was not selected for round " + round);
        if (accepted.contains(id))
            return new Rejected(RejectReason.DUPLICATE, "second update of device " + id + " for round " + round);
        int[] k = selected.get(id);
        List<LayerSpec> used = u.update().kUsed(), assigned = layers.layerSpecs(k);
        if (!used.equals(assigned))
            return new Rejected(RejectReason.INVALID_FIELD, "k used " + used + " differs from the assignment " + assigned);
        if (u.update().baseRound() != round - 1)
            return new Rejected(RejectReason.INVALID_FIELD, "base round " + u.update().baseRound() + " is not round " + (round - 1)
                    + ": not trained on this round's global logits");
        if (u.update().sampleCount() < 1) return new Rejected(RejectReason.INVALID_FIELD, "sample count must be >= 1");
        Map<String, Tensor> byName = new HashMap<>();
        for (Tensor t : u.logits()) byName.put(t.name(), t);
        List<float[]> logits = new ArrayList<>();
        List<int[]> ranks = new ArrayList<>();
        for (LayerShape s : shapes) {
            Tensor t = byName.get(s.name());
            if (t == null) return new Rejected(RejectReason.SHAPE_MISMATCH, "shape: no logits for layer " + s.name());
            if (t.size() != s.size())
                return new Rejected(RejectReason.SHAPE_MISMATCH, "shape: layer " + s.name() + " has " + t.size() + " logits, expected " + s.size());
            int[] expected = {s.groups(), s.n()};
            if (!java.util.Arrays.equals(t.shape(), expected))
                return new Rejected(RejectReason.SHAPE_MISMATCH, "shape: layer " + s.name() + " has shape " + java.util.Arrays.toString(t.shape())
                        + ", expected " + java.util.Arrays.toString(expected));
            logits.add(t.data());
            ranks.add(u.rowRanks().get(s.name()));
        }
        return new Accepted(id, k, logits, Math.min(u.update().sampleCount(), registeredSamples.getOrDefault(id, Long.MAX_VALUE)),
                u.rowRanks().isEmpty() ? List.of() : ranks);
    }

    /** Records that the device's update was folded in: a further one from it is a duplicate. */
    public void accepted(String deviceId) {
        accepted.add(deviceId);
    }
}
