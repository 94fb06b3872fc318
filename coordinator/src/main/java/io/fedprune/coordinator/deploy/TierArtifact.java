package io.fedprune.coordinator.deploy;

import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.model.Layer;
import io.fedprune.model.Model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
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
        Safetensors st = new Safetensors();
        Map<String, MaskSpec> pruned = new LinkedHashMap<>();
        for (MaskSpec s : specs) pruned.put(s.layer(), s);
        st.meta("format", "fedprune-tier/1");
        st.meta("arch", job.arch());
        st.meta("job", job.id());
        st.meta("tier", JobSpec.tierName(keep));
        st.meta("keep", Double.toString(keep));
        st.meta("layers", String.join(",", pruned.keySet()));
        for (Layer layer : model.arch().layers()) {
            float[] w = model.weight(layer.name());
            MaskSpec s = pruned.get(layer.name());
            if (s == null) {
                st.f32(layer.weightName(), layer.weightShape(), w);
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
                st.u8(layer.name() + ".mask", layer.weightShape(), mask);
                st.i32(layer.name() + ".indices", new int[]{g, k}, idx);
                st.f32(layer.name() + ".values", e == 1 ? new int[]{g, k} : new int[]{g, k, e}, vals);
                st.meta(layer.name() + ".granularity", s.granularity().name());
                st.meta(layer.name() + ".groups", Integer.toString(g));
                st.meta(layer.name() + ".n", Integer.toString(n));
                st.meta(layer.name() + ".k", Integer.toString(k));
                st.meta(layer.name() + ".shape", shape(layer.weightShape()));
            }
            st.f32(layer.biasName(), new int[]{layer.outputs()}, model.bias(layer.name()));
        }
        byte[] bytes = st.toBytes();
        Map<String, String> sums = new TreeMap<>(st.tensorChecksums());
        sums.put("artifact", sha256(bytes));
        return new TierArtifact(bytes, sums);
    }

    private static String shape(int[] s) {
        StringBuilder b = new StringBuilder();
        for (int d : s) b.append(b.length() == 0 ? "" : "x").append(d);
        return b.toString();
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A minimal safetensors writer (8-byte little-endian header length, JSON header, raw little-endian data). */
    static final class Safetensors {
        private record Entry(String name, String dtype, int[] shape, byte[] data) {
        }

        private final List<Entry> entries = new ArrayList<>();
        private final Map<String, String> meta = new TreeMap<>();

        void meta(String k, String v) {
            meta.put(k, v);
        }

        void f32(String name, int[] shape, float[] v) {
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(v);
            entries.add(new Entry(name, "F32", shape, b.array()));
        }

        void i32(String name, int[] shape, int[] v) {
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asIntBuffer().put(v);
            entries.add(new Entry(name, "I32", shape, b.array()));
        }

        void u8(String name, int[] shape, byte[] v) {
            entries.add(new Entry(name, "U8", shape, v.clone()));
        }

        Map<String, String> tensorChecksums() {
            Map<String, String> out = new TreeMap<>();
            for (Entry e : entries) out.put(e.name(), sha256(e.data()));
            return out;
        }

        byte[] toBytes() {
            StringBuilder h = new StringBuilder("{\"__metadata__\":{");
            boolean first = true;
            for (Map.Entry<String, String> m : meta.entrySet()) {
                h.append(first ? "" : ",").append(json(m.getKey())).append(':').append(json(m.getValue()));
                first = false;
            }
            h.append('}');
            long off = 0;
            for (Entry e : entries) {
                h.append(',').append(json(e.name())).append(":{\"dtype\":\"").append(e.dtype()).append("\",\"shape\":[");
                for (int i = 0; i < e.shape().length; i++) h.append(i == 0 ? "" : ",").append(e.shape()[i]);
                h.append("],\"data_offsets\":[").append(off).append(',').append(off + e.data().length).append("]}");
                off += e.data().length;
            }
            h.append('}');
            while ((h.length() + 8) % 8 != 0) h.append(' ');   // pad so the data starts 8-byte aligned
            byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
            ByteBuffer out = ByteBuffer.allocate((int) (8 + header.length + off)).order(ByteOrder.LITTLE_ENDIAN);
            out.putLong(header.length).put(header);
            for (Entry e : entries) out.put(e.data());
            return out.array();
        }

        private static String json(String s) {
            StringBuilder b = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                if (c == '"' || c == '\\') b.append('\\').append(c);
                else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                else b.append(c);
            }
            return b.append('"').toString();
        }
    }
}
