package io.fedprune.agent;

import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.model.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rebuilds the pruned model from a tier's deployment artifact (the coordinator's {@code TierArtifact} format): dense
 * weights from {@code <layer>.values} at {@code <layer>.indices}, checked against {@code <layer>.mask}.
 */
public final class TierModel {
    private TierModel() {
    }

    /** A raw tensor of a safetensors file. */
    public record Raw(String dtype, int[] shape, byte[] data) {
    }

    /** The artifact's metadata and tensors. */
    public record Parsed(Map<String, String> metadata, Map<String, Raw> tensors) {
    }

    private static final Pattern ENTRY = Pattern.compile(
            "\"((?:[^\"\\\\]|\\\\.)*)\"\\s*:\\s*\\{\\s*\"dtype\"\\s*:\\s*\"(\\w+)\"\\s*,\\s*\"shape\"\\s*:\\s*\\[([\\d,\\s]*)]\\s*,\\s*\"data_offsets\"\\s*:\\s*\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*]\\s*}");
    private static final Pattern META = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** Parses a safetensors file as written by the coordinator (flat JSON header, string metadata). */
    public static Parsed parse(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 8) throw new IllegalArgumentException("artifact too short");
        long hl = b.getLong();
        if (hl < 2 || hl > bytes.length - 8) throw new IllegalArgumentException("bad safetensors header length " + hl);
        String header = new String(bytes, 8, (int) hl, StandardCharsets.UTF_8);
        int base = 8 + (int) hl;
        Map<String, String> meta = new LinkedHashMap<>();
        int ms = header.indexOf("\"__metadata__\"");
        if (ms >= 0) {
            int open = header.indexOf('{', ms), close = header.indexOf('}', open);
            Matcher m = META.matcher(header.substring(open + 1, close));
            while (m.find()) meta.put(m.group(1), m.group(2));
        }
        Map<String, Raw> tensors = new LinkedHashMap<>();
        Matcher m = ENTRY.matcher(header);
        while (m.find()) {
            String[] dims = m.group(3).isBlank() ? new String[0] : m.group(3).split(",");
            int[] shape = new int[dims.length];
            for (int i = 0; i < dims.length; i++) shape[i] = Integer.parseInt(dims[i].trim());
            int from = Integer.parseInt(m.group(4)), to = Integer.parseInt(m.group(5));
            if (base + (long) to > bytes.length || from > to) throw new IllegalArgumentException("tensor " + m.group(1) + " out of bounds");
            byte[] data = new byte[to - from];
            System.arraycopy(bytes, base + from, data, 0, data.length);
            tensors.put(m.group(1), new Raw(m.group(2), shape, data));
        }
        return new Parsed(meta, tensors);
    }

    /** The pruned model of an artifact. */
    public static Model fromArtifact(byte[] bytes) {
        Parsed p = parse(bytes);
        ModelArch arch = ModelArch.parse(require(p.metadata(), "arch"));
        List<String> pruned = List.of(require(p.metadata(), "layers").split(","));
        List<Tensor> params = new ArrayList<>();
        for (io.fedprune.model.Layer layer : arch.layers()) {
            String name = layer.name();
            if (pruned.contains(name)) {
                int g = Integer.parseInt(require(p.metadata(), name + ".groups"));
                int n = Integer.parseInt(require(p.metadata(), name + ".n"));
                int k = Integer.parseInt(require(p.metadata(), name + ".k"));
                float[] values = f32(tensor(p, name + ".values"));
                int[] idx = i32(tensor(p, name + ".indices"));
                byte[] mask = tensor(p, name + ".mask").data();
                int e = layer.weightCount() / (g * n);
                if (idx.length != g * k || values.length != g * k * e || mask.length != layer.weightCount())
                    throw new IllegalArgumentException(name + ": tensor sizes do not match G=" + g + " n=" + n + " k=" + k);
                float[] w = new float[layer.weightCount()];
                for (int grp = 0; grp < g; grp++)
                    for (int j = 0; j < k; j++) {
                        int c = idx[grp * k + j];
                        if (c < 0 || c >= n) throw new IllegalArgumentException(name + ": index " + c + " outside [0, " + n + ")");
                        System.arraycopy(values, (grp * k + j) * e, w, (grp * n + c) * e, e);
                    }
                for (int i = 0; i < w.length; i++)
                    if (w[i] != 0 && mask[i] == 0) throw new IllegalArgumentException(name + ": values outside the mask");
                params.add(new Tensor(layer.weightName(), layer.weightShape(), w));
            } else {
                params.add(new Tensor(layer.weightName(), layer.weightShape(), f32(tensor(p, layer.weightName()))));
            }
            params.add(new Tensor(layer.biasName(), new int[]{layer.outputs()}, f32(tensor(p, layer.biasName()))));
        }
        return Model.fromTensors(arch, params);
    }

    private static Raw tensor(Parsed p, String name) {
        Raw r = p.tensors().get(name);
        if (r == null) throw new IllegalArgumentException("artifact has no tensor " + name);
        return r;
    }

    private static String require(Map<String, String> meta, String key) {
        String v = meta.get(key);
        if (v == null) throw new IllegalArgumentException("artifact metadata has no " + key);
        return v;
    }

    public static float[] f32(Raw r) {
        if (!r.dtype().equals("F32")) throw new IllegalArgumentException("expected F32, got " + r.dtype());
        float[] out = new float[r.data().length / 4];
        ByteBuffer.wrap(r.data()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    public static int[] i32(Raw r) {
        if (!r.dtype().equals("I32")) throw new IllegalArgumentException("expected I32, got " + r.dtype());
        int[] out = new int[r.data().length / 4];
        ByteBuffer.wrap(r.data()).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
        return out;
    }
}
