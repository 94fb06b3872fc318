package io.fedprune.coordinator.job;

import io.fedprune.dpp.MaskSpec;
import io.fedprune.wire.DeploymentAck;
import io.fedprune.wire.DeviceState;
import io.fedprune.wire.JobState;
import io.micronaut.core.annotation.Nullable;
import io.swagger.v3.oas.annotations.media.Schema;
import io.fedprune.wire.LayerSpec;
import io.fedprune.wire.RoundResult;
import io.fedprune.wire.TierResult;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON shapes the REST API returns (and the in-process API hands to the demo). */
public final class JobViews {
    private JobViews() {
    }

    /**
     * A job: its spec, state, live progress, every round's result and its deployments; when it started and ended
     * (epoch ms, null if unknown or running) and the dense model's accuracy on the coordinator's held-out set.
     */
    public record JobView(String id, @Schema(implementation = JobState.class, requiredMode = Schema.RequiredMode.REQUIRED) String state, @Nullable String reason,
                          JobRequest spec, @Nullable ProgressView progress, @Nullable List<RoundView> rounds,
                          @Nullable List<DeploymentView> deployments, @Nullable Long startedMs, @Nullable Long endedMs,
                          @Nullable Double denseAccuracy) {
    }

    /** The round in progress. */
    public record ProgressView(int round, int selected, int replied, long deadlineMs) {
    }

    /**
     * One finished round; {@code dropped}: the selected devices without an accepted update (left out of the JSON when
     * none dropped, as the API leaves out empty values: optional in the OpenAPI document).
     */
    public record RoundView(int round, int selected, int replied, int late, int duplicates, int invalid, long durationMs,
                            long trainMsMax, long uplinkBytes, double uplinkBitsPerParameter, @Nullable Map<String, Double> metrics,
                            List<TierView> tiers, @Nullable List<String> dropped) {
        public static RoundView of(int round, RoundResult r) {
            return new RoundView(round, r.selected(), r.replied(), r.late(), r.duplicates(), r.invalid(), r.durationMs(),
                    r.trainMsMax(), r.uplinkBytes(), r.uplinkBitsPerParameter(), r.metrics(),
                    r.tiers().stream().map(TierView::of).toList(), r.dropped());
        }
    }

    /** One tier in a round: its k per layer, held-out accuracy and metrics. */
    public record TierView(String tier, double keep, Map<String, Integer> k, @Nullable Double accuracy,
                           @Nullable Map<String, Double> metrics) {
        public static TierView of(TierResult t) {
            return new TierView(t.tier(), t.keep(), ks(t.layers()), t.accuracy().isPresent() ? t.accuracy().getAsDouble() : null, t.metrics());
        }
    }

    /**
     * A published tier: where its artifact is, its checksums and the devices' acks; {@code round} and
     * {@code validationAccuracy}: the round its masks come from, chosen as the tier's best on the coordinator's
     * validation split, and that accuracy (both null when the tier was cut from the last round: no validation split).
     */
    public record DeploymentView(String tier, double keep, Map<String, Integer> k, @Nullable Double accuracy, String artifact,
                                 @Nullable Map<String, String> checksums, @Nullable Map<String, AckView> acks,
                                 @Nullable Integer round, @Nullable Double validationAccuracy) {
    }

    /**
     * The round a tier's deployed masks come from: the last logged round whose result for the tier names stored masks
     * (each was the tier's best on validation so far), and its validation accuracy.
     */
    public record Chosen(int round, Double validationAccuracy) {
        /** The tier's chosen round in {@code rounds} (by round number), or null if none stored masks. */
        public static Chosen of(String tier, java.util.SortedMap<Integer, RoundResult> rounds) {
            Chosen out = null;
            for (Map.Entry<Integer, RoundResult> r : rounds.entrySet())
                for (TierResult t : r.getValue().tiers())
                    if (t.tier().equals(tier) && t.masks() != null)
                        out = new Chosen(r.getKey(), t.metrics().get(TierResult.VALIDATION_ACCURACY));
            return out;
        }
    }

    /**
     * A device's answer to a deployment: whether it applied the tier (or why not), its local accuracy, and the bytes
     * of the applied model's parameters and its median latency per inference at batch 1 (0 when not measured).
     */
    public record AckView(boolean applied, double localAccuracy, long evalSamples, @Nullable String error, long parameterBytes,
                          double latencyMicros) {
        public static AckView of(DeploymentAck a) {
            return new AckView(a.applied(), a.localAccuracy(), a.evalSamples(), a.error(), a.parameterBytes(), a.latencyMicros());
        }
    }

    /**
     * A device in the fleet: its budget and last heartbeat; the rounds it sent an update for and the training and
     * round times it reported last (null before its first round); its latest deployment ack and that tier.
     */
    public record DeviceView(String id, double keep, @Nullable Map<String, Integer> k, long samples,
                             @Schema(implementation = DeviceState.class, requiredMode = Schema.RequiredMode.REQUIRED) String state, long lastSeenMs, boolean alive,
                             int rounds, @Nullable Long lastTrainMs, @Nullable Long lastRoundMs, @Nullable AckView ack,
                             @Nullable String tier) {
    }

    /** A tier's masks in one round, as one picture per layer. */
    public record MaskView(String tier, int round, List<LayerMask> layers) {
        /** Rows and columns of a layer picture are at most these (cells then average blocks of weights). */
        static final int MAX_ROWS = 100, MAX_COLS = 200;

        public static MaskView of(String tier, int round, List<MaskSpec> specs, List<float[]> groupMasks) {
            List<LayerMask> layers = new java.util.ArrayList<>();
            for (int i = 0; i < specs.size(); i++) layers.add(LayerMask.of(specs.get(i), groupMasks.get(i)));
            return new MaskView(tier, round, layers);
        }
    }

    /**
     * One layer's weight mask as a picture: the weight matrix (outputs x inputs; a convolution's inputs are its
     * input channels times kernel positions) cut into {@code rows x cols} cells, each the percentage of its weights
     * kept, row-major.
     */
    public record LayerMask(String layer, String granularity, int k, int n, int outputs, int inputs, int rows, int cols,
                            List<Integer> keptPercent) {
        public static LayerMask of(MaskSpec s, float[] groupMask) {
            float[] w = s.expand(groupMask);
            int[] shape = s.weightShape();
            int outputs = shape[0], inputs = w.length / outputs;
            int rows = Math.min(outputs, MaskView.MAX_ROWS), cols = Math.min(inputs, MaskView.MAX_COLS);
            long[] kept = new long[rows * cols], total = new long[rows * cols];
            for (int o = 0; o < outputs; o++) {
                int r = (int) ((long) o * rows / outputs);
                for (int i = 0; i < inputs; i++) {
                    int cell = r * cols + (int) ((long) i * cols / inputs);
                    total[cell]++;
                    if (w[o * inputs + i] != 0) kept[cell]++;
                }
            }
            List<Integer> pct = new java.util.ArrayList<>(kept.length);
            for (int c = 0; c < kept.length; c++) pct.add((int) Math.round(100.0 * kept[c] / total[c]));
            return new LayerMask(s.layer(), s.granularity().name(), s.k(), s.n(), outputs, inputs, rows, cols, pct);
        }
    }

    public static Map<String, Integer> ks(List<LayerSpec> layers) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (LayerSpec l : layers) out.put(l.layer(), l.k());
        return out;
    }
}
