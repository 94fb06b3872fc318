package io.fedprune.deploy.report;

import io.fedprune.wire.Safetensors;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a tier artifact against its documented format alone (README, "Deployment artifacts"): for every pruned
 * layer L listed in {@code __metadata__.layers}, {@code L.mask} has {@code groups * n * e} entries, where candidate c of
 * group g covers the e consecutive entries from flat offset {@code (g * n + c) * e}; every candidate is wholly kept
 * or wholly pruned, and every group keeps exactly {@code L.k} candidates; {@code L.values} holds {@code groups * k * e}
 * values and {@code L.indices} {@code groups * k} candidate indices that agree with the mask.
 */
public final class ArtifactCheck {

    /** What the check found for one layer. */
    public record Layer(String layer, String granularity, int groups, int n, int k, boolean kOfN, String problem) {
    }

    /** The whole file: sizes and per-layer results. */
    public record Result(long fileBytes, long compactBytes, long maskBytes, List<Layer> layers) {
        public boolean ok() {
            return layers.stream().allMatch(Layer::kOfN);
        }
    }

    private ArtifactCheck() {
    }

    public static Result check(byte[] file) {
        Safetensors.Contents c = Safetensors.read(file);
        Map<String, String> meta = c.metadata();
        List<Layer> out = new ArrayList<>();
        long compact = 0, masks = 0;
        for (String l : meta.getOrDefault("layers", "").split(",")) {
            if (l.isBlank()) continue;
            int g = Integer.parseInt(meta.get(l + ".groups")), n = Integer.parseInt(meta.get(l + ".n")), k = Integer.parseInt(meta.get(l + ".k"));
            String gran = meta.get(l + ".granularity");
            Safetensors.Entry mask = c.get(l + ".mask").orElse(null);
            Safetensors.Entry values = c.get(l + ".values").orElse(null);
            Safetensors.Entry indices = c.get(l + ".indices").orElse(null);
            if (mask == null || values == null || indices == null) {
                out.add(new Layer(l, gran, g, n, k, false, "missing mask, values or indices"));
                continue;
            }
            masks += mask.data().length;
            compact += values.data().length + indices.data().length;
            out.add(new Layer(l, gran, g, n, k, true, null));
            String problem = layerProblem(mask.data(), indices.ints(), values.data().length / 4, g, n, k);
            if (problem != null) out.set(out.size() - 1, new Layer(l, gran, g, n, k, false, problem));
        }
        return new Result(file.length, compact, masks, out);
    }

    static String layerProblem(byte[] mask, int[] indices, int values, int g, int n, int k) {
        if (mask.length % ((long) g * n) != 0) return "mask size " + mask.length + " is not a multiple of groups*n";
        int e = mask.length / (g * n);
        if (indices.length != g * k) return "indices hold " + indices.length + " entries, expected groups*k = " + g * k;
        if (values != g * k * e) return "values hold " + values + " entries, expected groups*k*e = " + g * k * e;
        for (int gi = 0; gi < g; gi++) {
            int kept = 0;
            for (int c = 0; c < n; c++) {
                int on = 0;
                for (int j = 0; j < e; j++) on += mask[(gi * n + c) * e + j] != 0 ? 1 : 0;
                if (on != 0 && on != e) return "group " + gi + " candidate " + c + " is partly kept";
                if (on == e) kept++;
            }
            if (kept != k) return "group " + gi + " keeps " + kept + " candidates, expected " + k;
            for (int j = 0; j < k; j++) {
                int c = indices[gi * k + j];
                if (c < 0 || c >= n || mask[(gi * n + c) * e] == 0) return "group " + gi + " index " + c + " is not kept by the mask";
            }
        }
        return null;
    }
}
