package io.fedprune.deploy.report;

import java.util.List;
import java.util.Map;

/**
 * Everything the sandbox demo measured; written as {@code report.json} (snake_case keys) and rendered as
 * {@code REPORT.md} with SVG plots. Accuracies are fractions of the evaluation set.
 *
 * @param config             the demo's settings (as given on the command line, defaults filled in)
 * @param broker             which broker ran the job
 * @param denseAccuracy      accuracy of the unpruned model
 * @param denseParams        parameters of the unpruned model (weights and biases)
 * @param tiers              per deployment tier
 * @param rounds             per round
 * @param uplinkBitsPerParam bits per logit actually sent by the devices (mean over rounds)
 * @param uplinkBytes        bytes the devices sent (update messages and logit blobs), all rounds
 * @param baselines          centralised DPP and magnitude at the tiers' keeps, same model and masks' structure
 * @param timing             where the wall time went
 * @param acks               per device: budget, tier applied and its local accuracy
 */
public record DemoReport(Map<String, Object> config, String broker, double denseAccuracy, long denseParams, List<Tier> tiers,
                         List<Round> rounds, double uplinkBitsPerParam, long uplinkBytes, List<Baseline> baselines,
                         Timing timing, List<Ack> acks) {

    /**
     * One deployment tier.
     *
     * @param accuracy      test accuracy of the deployed masks
     * @param round         the round the masks come from, chosen as the tier's best on the coordinator's validation
     *                      split; null: cut after the last round (no validation split)
     * @param validationAccuracy accuracy of the masks on the validation split (NaN without one)
     * @param artifact      path of the tier's safetensors file
     * @param artifactBytes size of that file
     * @param compactBytes  bytes of the compact form (kept values and their indices) of the pruned layers plus biases
     * @param denseBytes    the dense model in float32
     * @param kOfN          the artifact verified as exactly k of n per group in every layer ({@link ArtifactCheck})
     */
    public record Tier(String tier, double keep, Map<String, Integer> k, double accuracy, Integer round, double validationAccuracy, String artifact, long artifactBytes,
                       long compactBytes, long denseBytes, boolean kOfN, Map<String, Double> confidence,
                       Map<String, Double> diversity, int devicesApplied, double meanDeviceAccuracy) {
    }

    /**
     * One round.
     *
     * @param trainMsMax     the slowest device's local training time
     * @param trainMsSum     local training time summed over the devices
     * @param accuracy       accuracy per tier after this round's fusion
     * @param validationAccuracy accuracy per tier on the coordinator's validation split (empty without one)
     * @param logitsChange   relative change of the fused logits, ||next - previous|| / ||previous||
     * @param maskSimilarity mean pairwise Jaccard similarity of the devices' own top-k masks
     */
    public record Round(int round, int selected, int replied, int late, int duplicates, int invalid, long durationMs,
                        long trainMsMax, long trainMsSum, Map<String, Double> accuracy, Map<String, Double> validationAccuracy, double logitsChange,
                        double maskSimilarity, long uplinkBytes, double uplinkBitsPerParam, List<String> dropped) {
    }

    /** A baseline: {@code method} is {@code dpp-centralised} or {@code magnitude}. */
    public record Baseline(double keep, String method, double accuracy, long millis) {
    }

    /**
     * Wall time, split.
     *
     * @param wallMs            the whole demo
     * @param startupMs         broker, coordinator, agents, data
     * @param pretrainMs        dense pretraining (0 when cached)
     * @param jobMs             from job submission to the last deployment ack
     * @param localTrainingMs   local training inside the job: device training time summed, divided by the number of
     *                          agents that train at the same time (the simulation's parallelism)
     * @param overheadMs        the rest of the job: broadcast, blob transfer, fusion, evaluation, deployment
     * @param overheadPerRoundMs overhead per round (mean)
     * @param baselinesMs       the centralised baselines
     * @param heapUsedMb        JVM heap in use after a GC at the end (coordinator, agents and data share the JVM)
     */
    public record Timing(long wallMs, long startupMs, long pretrainMs, long jobMs, long localTrainingMs, long overheadMs,
                         double overheadPerRoundMs, long baselinesMs, long heapUsedMb) {
    }

    /** A device's deployment ack. */
    public record Ack(String device, double budget, String tier, boolean applied, double localAccuracy, long samples) {
    }
}
