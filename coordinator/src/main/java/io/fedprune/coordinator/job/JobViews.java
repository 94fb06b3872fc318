package io.fedprune.coordinator.job;

import io.fedprune.wire.DeploymentAck;
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

    /** A job: its spec, state, live progress and every round's result. */
    public record JobView(String id, String state, String reason, JobRequest spec, ProgressView progress,
                          List<RoundView> rounds, List<DeploymentView> deployments) {
    }

    /** The round in progress. */
    public record ProgressView(int round, int selected, int replied, long deadlineMs) {
    }

    /** One finished round. */
    public record RoundView(int round, int selected, int replied, int late, int duplicates, int invalid, long durationMs,
                            long trainMsMax, long uplinkBytes, double uplinkBitsPerParameter, Map<String, Double> metrics,
                            List<TierView> tiers) {
        public static RoundView of(int round, RoundResult r) {
            return new RoundView(round, r.selected(), r.replied(), r.late(), r.duplicates(), r.invalid(), r.durationMs(),
                    r.trainMsMax(), r.uplinkBytes(), r.uplinkBitsPerParameter(), r.metrics(),
                    r.tiers().stream().map(TierView::of).toList());
        }
    }

    /** One tier in a round: its k per layer, held-out accuracy and metrics. */
    public record TierView(String tier, double keep, Map<String, Integer> k, Double accuracy, Map<String, Double> metrics) {
        public static TierView of(TierResult t) {
            return new TierView(t.tier(), t.keep(), ks(t.layers()), t.accuracy().isPresent() ? t.accuracy().getAsDouble() : null, t.metrics());
        }
    }

    /** A published tier: where its artifact is, its checksums and the devices' acks. */
    public record DeploymentView(String tier, double keep, Map<String, Integer> k, Double accuracy, String artifact,
                                 Map<String, String> checksums, Map<String, AckView> acks) {
    }

    /**
     * A device's answer to a deployment: whether it applied the tier (or why not), its local accuracy, and the bytes
     * of the applied model's parameters and its median latency per inference at batch 1 (0 when not measured).
     */
    public record AckView(boolean applied, double localAccuracy, long evalSamples, String error, long parameterBytes,
                          double latencyMicros) {
        public static AckView of(DeploymentAck a) {
            return new AckView(a.applied(), a.localAccuracy(), a.evalSamples(), a.error(), a.parameterBytes(), a.latencyMicros());
        }
    }

    /** A device in the fleet. */
    public record DeviceView(String id, double keep, Map<String, Integer> k, long samples, String state, long lastSeenMs,
                             boolean alive) {
    }

    public static Map<String, Integer> ks(List<LayerSpec> layers) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (LayerSpec l : layers) out.put(l.layer(), l.k());
        return out;
    }
}
