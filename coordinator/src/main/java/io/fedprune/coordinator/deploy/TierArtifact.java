package io.fedprune.coordinator.deploy;

import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.model.Model;
import io.fedprune.runtime.LayerMask;
import io.fedprune.runtime.TierFile;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One tier's deployment artifact: a {@link TierFile} (format {@code fedprune-tier/3}, docs/ARTIFACTS.md) and its
 * checksums.
 *
 * @param bytes     the safetensors file
 * @param checksums SHA-256 (lowercase hex) of the whole file ({@code artifact}) and of every tensor's raw bytes
 */
public record TierArtifact(byte[] bytes, Map<String, String> checksums) {

    /** Builds the artifact of one tier from its group masks (one per spec, {@code float[G * n]} of 0/1). */
    public static TierArtifact build(JobSpec job, Model model, double keep, List<MaskSpec> specs, List<float[]> groupMasks) {
        Map<String, LayerMask> masks = new LinkedHashMap<>();
        for (int i = 0; i < specs.size(); i++) masks.put(specs.get(i).layer(), new LayerMask(specs.get(i), groupMasks.get(i)));
        byte[] bytes = new TierFile(job.id(), JobSpec.tierName(keep), keep, model, masks).write();
        return new TierArtifact(bytes, TierFile.checksums(bytes));
    }
}
