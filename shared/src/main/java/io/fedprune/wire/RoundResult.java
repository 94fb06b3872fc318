package io.fedprune.wire;

import java.util.List;
import java.util.Map;

import static io.fedprune.wire.Checks.atLeast;
import static io.fedprune.wire.Checks.bad;

/**
 * The outcome of a round (the envelope names job and round).
 *
 * @param selected               devices selected
 * @param replied                valid updates accepted (at most {@code selected})
 * @param late                   updates after the deadline
 * @param duplicates             duplicate updates
 * @param invalid                invalid updates
 * @param durationMs             wall time of the round
 * @param trainMsMax             the slowest device's training time
 * @param fusedLogits            the fused logits, or {@code null} if not published
 * @param tiers                  per-tier results; copied
 * @param uplinkBytes            update bytes received (control messages plus blobs)
 * @param uplinkBitsPerParameter payload bits per logit sent by the devices
 * @param metrics                further finite figures, e.g. {@code logits_change}, {@code mask_similarity}; copied, sorted
 * @param dropped                the selected devices whose update was not accepted (no reply by the deadline, or
 *                               rejected), sorted; at most {@code selected - replied}
 */
public record RoundResult(int selected, int replied, int late, int duplicates, int invalid, long durationMs, long trainMsMax,
                          BlobRef fusedLogits, List<TierResult> tiers, long uplinkBytes, double uplinkBitsPerParameter,
                          Map<String, Double> metrics, List<String> dropped) implements JobEvent {
    public RoundResult {
        atLeast(selected, 0, "round_result.selected");
        atLeast(replied, 0, "round_result.replied");
        if (replied > selected) throw bad("round_result.replied " + replied + " exceeds selected " + selected);
        atLeast(late, 0, "round_result.late");
        atLeast(duplicates, 0, "round_result.duplicates");
        atLeast(invalid, 0, "round_result.invalid");
        atLeast(durationMs, 0L, "round_result.duration_ms");
        atLeast(trainMsMax, 0L, "round_result.train_ms_max");
        tiers = Checks.list(tiers, "round_result.tiers");
        atLeast(uplinkBytes, 0L, "round_result.uplink_bytes");
        atLeast(uplinkBitsPerParameter, 0.0, "round_result.uplink_bits_per_parameter");
        metrics = Checks.finiteValues(metrics, "round_result.metrics");
        dropped = Checks.list(dropped, "round_result.dropped").stream().sorted().toList();
        if (dropped.size() > selected - replied)
            throw bad("round_result.dropped names " + dropped.size() + " devices, more than selected - replied = " + (selected - replied));
    }


    @Override
    public boolean roundScoped() {
        return true;
    }
}
