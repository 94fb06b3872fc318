package io.fedprune.coordinator.deploy;

import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.model.Layer;
import io.fedprune.model.Model;

import io.fedprune.wire.Blobs;
import io.fedprune.wire.Safetensors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One tier's deployment artifact: a self-describing safetensors file holding the masks and a compact model.
 *
 * <p>For every pruned layer {@code L} with spec (granularity, G groups, n candidates, k kept, e weights per candidate):
 * <ul>
 *   <li>{@code L.mask}: U8, the weight's shape, 1 where a weight is kept;</li>
 *   <li>{@code L.indices}: I32 {@code [G, k]}, per group the kept candidates' indices in [0, n), ascending;</li>
 *   <li>{@code L.values}: F32 {@code [G, k]} (e = 1) or {@code [G, k, e]}, the kept weights in that order;</li>
 * </ul>
 * plus {@code L.bias} (F32) for every layer and {@code L.weight} (F32, dense) for layers that are not pruned, so the
 * file alone rebuilds the pruned model. {@code __metadata__}: {@code format=fedprune-tier/1}, {@code arch},
 * {@code job}, {@code tier}, {@code keep}, {@code layers} (comma-separated) and per pruned layer
 * {@code L.granularity}, {@code L.groups}, {@code L.n}, {@code L.k}, {@code L.shape} (e.g. {@code 300x784}).
 *
 * <p>Candidate c of group g covers the e consecutive weights starting at flat offset {@code (g * n + c) * e} of the
 * row-major weight, for every granularity (DESIGN.md §2).
 *
 * @param bytes     the safetensors file
 * @param checksums SHA-256 (lowercase hex) of the whole file ({@code artifact}) and of every tensor's raw bytes
 */
public record TierArtifact(byte[] bytes, Map<String, String> checksums) {

    /** Builds the artifact of one tier from its group masks (one per spec, {@code float[G * n]} of 0/1). */
    public static TierArtifact build(JobSpec job, Model model, double keep, List<MaskSpec> specs, List<float[]> groupMasks) {
        List<Safetensors.Entry> entries = new ArrayList<>();
        Map<String, String> meta = new TreeMap<>();
        Map<String, MaskSpec> pruned = new LinkedHashMap<>();
        for (MaskSpec s : specs) pruned.put(s.layer(), s);
        meta.put("format", "fedprune-tier/1");
        meta.put("arch", job.arch());
        meta.put("job", job.id());
        meta.put("tier", JobSpec.tierName(keep));
        meta.put("keep", Double.toString(keep));
        meta.put("layers", String.join(",", pruned.keySet()));
        for (Layer layer : model.arch().layers()) {
            float[] w = model.weight(layer.name());
            MaskSpec s = pruned.get(layer.name());
            if (s == null) {
                entries.add(Safetensors.Entry.f32(layer.weightName(), layer.weightShape(), w));
            } else {
                float[] gm = groupMasks.get(specs.indexOf(s));
                float[] dense = s.expand(gm);
                byte[] mask = new byte[dense.length];
                for (int i = 0; i < dense.length; i++) mask[i] = dense[i] != 0 ? (byte) 1 : 0;
                int e = s.candidateSize(), g = s.groups(), n = s.n(), k = s.k();
                int[] idx = new int[g * k];
                float[] vals = new float[g * k * e];
                for (int grp = 0; grp < g; grp++) {
                    int j = 0;
                    for (int c = 0; c < n; c++) {
                        if (gm[grp * n + c] == 0) continue;
                        if (j == k) throw new IllegalStateException(s.layer() + ": group " + grp + " keeps more than k=" + k);
                        idx[grp * k + j] = c;
                        System.arraycopy(w, (grp * n + c) * e, vals, (grp * k + j) * e, e);
                        j++;
                    }
                    if (j != k) throw new IllegalStateException(s.layer() + ": group " + grp + " keeps " + j + ", not k=" + k);
                }
                entries.add(Safetensors.Entry.u8(layer.name() + ".mask", layer.weightShape(), mask));
                entries.add(Safetensors.Entry.i32(layer.name() + ".indices", new int[]{g, k}, idx));
                entries.add(Safetensors.Entry.f32(layer.name() + ".values", e == 1 ? new int[]{g, k} : new int[]{g, k, e}, vals));
                meta.put(layer.name() + ".granularity", s.granularity().name());
                meta.put(layer.name() + ".groups", Integer.toString(g));
                meta.put(layer.name() + ".n", Integer.toString(n));
                meta.put(layer.name() + ".k", Integer.toString(k));
                meta.put(layer.name() + ".shape", shape(layer.weightShape()));
            }
            entries.add(Safetensors.Entry.f32(layer.biasName(), new int[]{layer.outputs()}, model.bias(layer.name())));
        }
        byte[] bytes = Safetensors.write(entries, meta);
        Map<String, String> sums = new TreeMap<>();
        for (Safetensors.Entry e : entries) sums.put(e.name(), Blobs.sha256Hex(e.data()));
        sums.put("artifact", Blobs.sha256Hex(bytes));
        return new TierArtifact(bytes, sums);
    }

    private static String shape(int[] s) {
        StringBuilder b = new StringBuilder();
        for (int d : s) b.append(b.length() == 0 ? "" : "x").append(d);
        return b.toString();
    }

}
