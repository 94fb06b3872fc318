package io.fedprune.wire;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

import static io.fedprune.wire.Checks.keepRatio;
import static io.fedprune.wire.Checks.nonEmpty;
import static io.fedprune.wire.Checks.present;
import static io.fedprune.wire.Checks.text;

/**
 * The coordinator publishes a budget tier's final masks (topic {@code fedprune.deployments}, key {@link #key}: {@code <job>/<tier>}, so
 * compaction keeps the latest deployment of each tier).
 *
 * @param tier         tier name, e.g. {@code keep-0.10}
 * @param keep         the tier's keep ratio, in (0, 1]
 * @param layers       the tier's spec per layer; copied
 * @param masks        the tier's artifact (safetensors, format {@code fedprune-tier/3}, docs/ARTIFACTS.md)
 * @param compactModel the tier's compact model; today the same artifact as {@code masks}
 * @param accuracy     the coordinator's held-out accuracy for this tier, if it evaluated one
 * @param checksums    SHA-256 (64 lowercase hex digits) per artifact or tensor name; copied, sorted
 */
public record Deployment(String tier, double keep, List<LayerSpec> layers, BlobRef masks, BlobRef compactModel,
                         OptionalDouble accuracy, Map<String, String> checksums) implements Message {
    public Deployment {
        text(tier, "deployment.tier");
        keepRatio(keep, "deployment.keep");
        layers = nonEmpty(layers, "deployment.layers");
        present(masks, "deployment.masks");
        present(compactModel, "deployment.compact_model");
        accuracy = accuracy == null ? OptionalDouble.empty() : accuracy;
        if (accuracy.isPresent()) Checks.fraction(accuracy.getAsDouble(), "deployment.accuracy");
        checksums = Checks.map(checksums, "deployment.checksums");
        checksums.forEach((name, sha) -> Checks.hexSha256(sha, "deployment.checksums[" + name + "]"));
    }

    @Override
    public MessageType type() {
        return MessageType.DEPLOYMENT;
    }

    /** The record key of a deployment of {@code tier} in job {@code jobId} on {@code fedprune.deployments}. */
    public static String key(String jobId, String tier) {
        return jobId + "/" + tier;
    }

    @Override
    public boolean jobScoped() {
        return true;
    }
}
