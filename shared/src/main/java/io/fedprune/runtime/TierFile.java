package io.fedprune.runtime;

import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.model.Graph;
import io.fedprune.model.Layer;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.model.Tensor;
import io.fedprune.runtime.TierKeys.LayerKey;
import io.fedprune.runtime.TierKeys.LayerTensor;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.Safetensors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A tier's deployment artifact, format {@code fedprune-tier/3} (docs/ARTIFACTS.md): a self-describing safetensors
 * file holding, per pruned layer {@code L}, the kept values ({@code L.values}, F32 {@code [G, k]} or {@code [G, k, e]},
 * in candidate order per group) and which candidates they are, in whichever of two forms is smaller: the group mask
 * bit-packed ({@code L.mask_bits}, U8, {@code G*n} bits, least significant bit first; 1/8 byte per candidate) or the
 * kept candidates' indices ({@code L.indices}, I16 when {@code n <= 32767} else I32, {@code [G, k]}, ascending per
 * group; smaller only below 1/16 keep). {@code L.weight} for layers that are not pruned; {@code L.bias} for every
 * layer. {@code __metadata__} names the format and version, architecture, network, input shape, preprocessing, job,
 * tier, keep, the pruned layers and per pruned layer its granularity, groups, n, k, N:M tile size and weight shape.
 * This is the one place that writes and reads the format. Version 2 files (indices and mask bits for every pruned
 * layer, the bits checked against the indices) are still read.
 *
 * <p>{@link #read} refuses anything malformed or inconsistent with an {@link IllegalArgumentException} whose message
 * is the reason: a truncated or malformed file, another format or version, a checksum that does not match, a k that
 * differs from the metadata (a group with another number of kept candidates), an index out of range or repeated, mask
 * bits that disagree with the indices, a missing tensor or a wrong shape.
 *
 * @param job   the job id
 * @param tier  the tier name (e.g. {@code keep-0.1})
 * @param keep  the tier's keep ratio
 * @param model the parameters; pruned weights are 0 after {@link #read}
 * @param masks the pruned layers' masks by layer name, in layer order
 */
public record TierFile(String job, String tier, double keep, Model model, Map<String, LayerMask> masks) {
    /** The format name written in {@code __metadata__.format}. */
    public static final String FORMAT = "fedprune-tier";
    /** The format version written in {@code __metadata__.version} (and after the slash of the format). */
    public static final int VERSION = 3;
    /** The earlier version still read: every pruned layer has both indices and mask bits. */
    static final int READS_VERSION = 2;

    public TierFile {
        Objects.requireNonNull(model, "model");
        masks = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(masks));
        for (var e : masks.entrySet()) {
            Layer l = model.graph().layer(e.getKey());
            if (!java.util.Arrays.equals(l.weightShape(), e.getValue().spec().weightShape()))
                throw new IllegalArgumentException(l.name() + ": mask spec shape differs from the layer's");
        }
    }

    /** The network this tier describes, in the given form. */
    public CompactNetwork compile(TierCompiler.Form form) {
        return TierCompiler.compile(model, masks, form);
    }

    /** The model's graph. */
    public Graph graph() {
        return model.graph();
    }

    /** The file's bytes. Only the kept weights of pruned layers are written. */
    public byte[] write() {
        Graph arch = model.graph();
        List<Safetensors.Entry> entries = new ArrayList<>();
        Map<String, String> meta = new TreeMap<>();
        meta.put(TierKeys.FORMAT, FORMAT + "/" + VERSION);
        meta.put(TierKeys.VERSION, Integer.toString(VERSION));
        meta.put(TierKeys.ARCH, arch.id());
        meta.put(TierKeys.NETWORK, describe(arch));
        meta.put(TierKeys.INPUT, TierCompiler.inputShape(arch).toString());
        meta.put(TierKeys.PREPROCESSING, "x = (pixel * scale - mean[c]) / std[c], pixels in [0, 255], float32 NCHW");
        meta.put(TierKeys.PREPROCESSING_SCALE, Float.toString(arch.preprocessing().scale()));
        meta.put(TierKeys.PREPROCESSING_MEAN, join(arch.preprocessing().mean()));
        meta.put(TierKeys.PREPROCESSING_STD, join(arch.preprocessing().std()));
        meta.put(TierKeys.JOB, job == null ? "" : job);
        meta.put(TierKeys.TIER, tier == null ? "" : tier);
        meta.put(TierKeys.KEEP, Double.toString(keep));
        meta.put(TierKeys.LAYERS, String.join(",", masks.keySet()));
        for (Layer layer : arch.layers()) {
            float[] w = model.weight(layer.name());
            LayerMask m = masks.get(layer.name());
            if (m == null) {
                entries.add(Safetensors.Entry.f32(layer.weightName(), layer.weightShape(), w));
            } else {
                MaskSpec s = m.spec();
                int e = s.candidateSize(), g = s.groups(), n = s.n(), k = s.k();
                int[] idx = new int[g * k];
                float[] vals = new float[g * k * e];
                byte[] bits = new byte[(g * n + 7) / 8];
                for (int grp = 0, j = 0; grp < g; grp++)
                    for (int c = 0; c < n; c++) {
                        if (!m.kept(grp, c)) continue;
                        idx[j] = c;
                        System.arraycopy(w, (grp * n + c) * e, vals, j * e, e);
                        bits[(grp * n + c) >> 3] |= (byte) (1 << ((grp * n + c) & 7));
                        j++;
                    }
                int[] gk = {g, k};
                boolean narrow = n <= Short.MAX_VALUE;
                if ((long) idx.length * (narrow ? 2 : 4) < bits.length)
                    entries.add(narrow ? Safetensors.Entry.i16(LayerTensor.INDICES.of(layer.name()), gk, idx)
                            : Safetensors.Entry.i32(LayerTensor.INDICES.of(layer.name()), gk, idx));
                else entries.add(Safetensors.Entry.u8(LayerTensor.MASK_BITS.of(layer.name()), new int[]{bits.length}, bits));
                entries.add(Safetensors.Entry.f32(LayerTensor.VALUES.of(layer.name()), e == 1 ? gk : new int[]{g, k, e}, vals));
                meta.put(LayerKey.GRANULARITY.of(layer.name()), s.granularity().name());
                meta.put(LayerKey.GROUPS.of(layer.name()), Integer.toString(g));
                meta.put(LayerKey.N.of(layer.name()), Integer.toString(n));
                meta.put(LayerKey.K.of(layer.name()), Integer.toString(k));
                meta.put(LayerKey.TILE_M.of(layer.name()), Integer.toString(s.tileM()));
                meta.put(LayerKey.SHAPE.of(layer.name()), shape(layer.weightShape()));
            }
            entries.add(Safetensors.Entry.f32(layer.biasName(), new int[]{layer.outputs()}, model.bias(layer.name())));
        }
        return Safetensors.write(entries, meta);
    }

    /** SHA-256 (lowercase hex) of the whole file ({@code artifact}) and of every tensor's raw bytes (by tensor name). */
    public static Map<String, String> checksums(byte[] file) {
        Map<String, String> sums = new TreeMap<>();
        for (Safetensors.Entry e : Safetensors.read(file).entries()) sums.put(e.name(), Blobs.sha256Hex(e.data()));
        sums.put(TierKeys.ARTIFACT_CHECKSUM, Blobs.sha256Hex(file));
        return sums;
    }

    /** Reads and checks a file of a built-in model against its own metadata; see the class comment for what is refused. */
    public static TierFile read(byte[] bytes) {
        return read(bytes, Map.of());
    }

    /** Reads and checks a tier of a built-in model ({@code arch} names it) against the expected checksums. */
    public static TierFile read(byte[] bytes, Map<String, String> expectedChecksums) {
        return read(bytes, expectedChecksums, null);
    }

    /**
     * Reads and checks a file, first against the expected SHA-256 checksums (whole file under {@code artifact},
     * tensors by name; names not given are not checked). {@code graph} is the model's structure (its id must be the
     * file's {@code arch}); null for a built-in model, which the file names.
     */
    public static TierFile read(byte[] bytes, Map<String, String> expectedChecksums, Graph graph) {
        String whole = expectedChecksums.get(TierKeys.ARTIFACT_CHECKSUM);
        if (whole != null && !whole.equals(Blobs.sha256Hex(bytes)))
            throw new IllegalArgumentException("checksum mismatch: the file's SHA-256 is not the published " + whole);
        Safetensors.Contents p = Safetensors.read(bytes);
        for (Safetensors.Entry e : p.entries()) {
            String sum = expectedChecksums.get(e.name());
            if (sum != null && !sum.equals(Blobs.sha256Hex(e.data())))
                throw new IllegalArgumentException("checksum mismatch: tensor '" + e.name() + "'");
        }
        Map<String, String> meta = p.metadata();
        String format = require(meta, TierKeys.FORMAT);
        if (!format.equals(FORMAT + "/" + VERSION) && !format.equals(FORMAT + "/" + READS_VERSION))
            throw new IllegalArgumentException("unsupported format '" + format + "' (this reader takes " + FORMAT + "/" + VERSION
                    + " and " + FORMAT + "/" + READS_VERSION + ")");
        String id = require(meta, TierKeys.ARCH);
        if (graph != null && !graph.id().equals(id))
            throw new IllegalArgumentException("the artifact is a tier of model '" + id + "', not of '" + graph.id() + "'");
        Graph arch = graph != null ? graph : ModelArch.parse(id).graph();
        List<String> pruned = require(meta, TierKeys.LAYERS).isEmpty() ? List.of() : List.of(require(meta, TierKeys.LAYERS).split(","));
        Map<String, LayerMask> masks = new LinkedHashMap<>();
        List<Tensor> params = new ArrayList<>();
        for (Layer layer : arch.layers()) {
            String name = layer.name();
            if (pruned.contains(name)) {
                LayerMask mask = mask(p, meta, layer);
                MaskSpec s = mask.spec();
                float[] values = p.require(LayerTensor.VALUES.of(name)).floats();
                int e = s.candidateSize();
                if (values.length != s.groups() * s.k() * e)
                    throw new IllegalArgumentException(name + ": " + values.length + " values, expected G*k*e = " + s.groups() * s.k() * e);
                float[] w = new float[layer.weightCount()];
                for (int g = 0, j = 0; g < s.groups(); g++)
                    for (int c = 0; c < s.n(); c++)
                        if (mask.kept(g, c)) System.arraycopy(values, (j++) * e, w, (g * s.n() + c) * e, e);
                params.add(new Tensor(layer.weightName(), layer.weightShape(), w));
                masks.put(name, mask);
            } else {
                params.add(tensor(p, layer.weightName(), layer.weightShape()));
            }
            params.add(tensor(p, layer.biasName(), new int[]{layer.outputs()}));
        }
        for (String l : pruned) if (!masks.containsKey(l)) throw new IllegalArgumentException("pruned layer '" + l + "' is not in " + arch.id());
        return new TierFile(meta.get(TierKeys.JOB), meta.get(TierKeys.TIER), Double.parseDouble(require(meta, TierKeys.KEEP)),
                Model.fromTensors(arch, params), masks);
    }

    private static LayerMask mask(Safetensors.Contents p, Map<String, String> meta, Layer layer) {
        String name = layer.name();
        Granularity gran;
        try {
            gran = Granularity.valueOf(require(meta, LayerKey.GRANULARITY.of(name)));
        } catch (IllegalArgumentException x) {
            throw new IllegalArgumentException(name + ": " + x.getMessage());
        }
        if (!require(meta, LayerKey.SHAPE.of(name)).equals(shape(layer.weightShape())))
            throw new IllegalArgumentException(name + ": shape " + meta.get(LayerKey.SHAPE.of(name)) + " is not the layer's " + shape(layer.weightShape()));
        int k = integer(meta, LayerKey.K.of(name)), m = meta.containsKey(LayerKey.TILE_M.of(name)) ? integer(meta, LayerKey.TILE_M.of(name)) : 0;
        MaskSpec spec = gran == Granularity.TILE ? MaskSpec.tile(name, layer.weightShape(), k, m) : MaskSpec.ofK(name, gran, layer.weightShape(), k);
        if (spec.groups() != integer(meta, LayerKey.GROUPS.of(name)) || spec.n() != integer(meta, LayerKey.N.of(name)))
            throw new IllegalArgumentException(name + ": groups/n " + meta.get(LayerKey.GROUPS.of(name)) + "/" + meta.get(LayerKey.N.of(name))
                    + " do not match " + gran + " on " + shape(layer.weightShape()));
        var indices = p.get(LayerTensor.INDICES.of(name));
        var bits = p.get(LayerTensor.MASK_BITS.of(name));
        if (indices.isEmpty() && bits.isEmpty())
            throw new IllegalArgumentException(name + ": neither " + LayerTensor.INDICES.of(name) + " nor " + LayerTensor.MASK_BITS.of(name));
        float[] fromBits = null;
        if (bits.isPresent()) {
            byte[] b = bits.get().data();
            if (b.length != (spec.candidates() + 7) / 8)
                throw new IllegalArgumentException(name + ": mask_bits has " + b.length + " bytes, expected " + (spec.candidates() + 7) / 8);
            fromBits = new float[spec.candidates()];
            for (int c = 0; c < fromBits.length; c++) fromBits[c] = (b[c >> 3] >> (c & 7)) & 1;
        }
        if (indices.isEmpty()) return new LayerMask(spec, fromBits);   // checks exactly k kept per group
        int[] idx = indices.get().ints();
        if (!java.util.Arrays.equals(indices.get().shape(), new int[]{spec.groups(), k}))
            throw new IllegalArgumentException(name + ": indices have shape " + java.util.Arrays.toString(indices.get().shape())
                    + ", expected [" + spec.groups() + ", " + k + "] for k=" + k);
        for (int g = 0; g < spec.groups(); g++)
            for (int j = 1; j < k; j++)
                if (idx[g * k + j] <= idx[g * k + j - 1] && idx[g * k + j] >= 0 && idx[g * k + j] < spec.n())
                    throw new IllegalArgumentException(name + ": group " + g + " indices are not ascending");
        LayerMask mask = LayerMask.fromIndices(spec, idx);
        if (fromBits != null)
            for (int c = 0; c < spec.candidates(); c++)
                if (fromBits[c] != (mask.kept(c / spec.n(), c % spec.n()) ? 1 : 0))
                    throw new IllegalArgumentException(name + ": mask_bits disagree with the indices at candidate " + c);
        return mask;
    }

    private static Tensor tensor(Safetensors.Contents p, String name, int[] shape) {
        Safetensors.Entry e = p.require(name);
        if (!java.util.Arrays.equals(e.shape(), shape))
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + java.util.Arrays.toString(e.shape()) + ", expected " + java.util.Arrays.toString(shape));
        return e.toTensor();
    }

    private static String require(Map<String, String> meta, String key) {
        String v = meta.get(key);
        if (v == null) throw new IllegalArgumentException("artifact metadata has no " + key);
        return v;
    }

    private static int integer(Map<String, String> meta, String key) {
        try {
            return Integer.parseInt(require(meta, key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("artifact metadata " + key + " = '" + meta.get(key) + "' is not an integer");
        }
    }

    /**
     * The graph in ONNX operator terms, one operation after the other, e.g. {@code conv1=Conv(1->20, 5x5, stride 1x1,
     * pads 0,0,0,0) > MaxPool(2x2, stride 2x2, pads 0,0,0,0) > ... > flatten > fc1=Gemm(800->500) > Relu > ...};
     * an operation that does not read the previous one's output names its inputs.
     */
    public static String describe(Graph g) {
        List<String> out = new ArrayList<>();
        String previous = g.input();
        for (io.fedprune.model.Op op : g.ops()) {
            String d = describe(op);
            if (!op.inputs().equals(List.of(previous))) d = d + "[" + String.join(", ", op.inputs()) + " -> " + op.output() + "]";
            out.add(d);
            previous = op.output();
        }
        return String.join(" > ", out);
    }

    private static String describe(io.fedprune.model.Op op) {
        if (op instanceof io.fedprune.model.Op.Conv c)
            return c.layer() + "=Conv(" + c.cin() + "->" + c.cout() + ", " + c.kh() + "x" + c.kw() + ", stride " + c.strideH() + "x"
                    + c.strideW() + ", pads " + join(c.pads()) + (c.groups() > 1 ? ", group " + c.groups() : "") + ")";
        if (op instanceof io.fedprune.model.Op.Dense d) return d.layer() + "=Gemm(" + d.in() + "->" + d.out() + ")";
        if (op instanceof io.fedprune.model.Op.Activation a) return switch (a.fn()) {
            case RELU -> "Relu";
            case SIGMOID -> "Sigmoid";
            case TANH -> "Tanh";
            case LEAKY_RELU -> "LeakyRelu(" + a.alpha() + ")";
            case CLIP -> "Clip(" + a.min() + ", " + a.max() + ")";
        };
        if (op instanceof io.fedprune.model.Op.Pool p)
            return (p.max() ? "MaxPool(" : "AveragePool(") + p.kh() + "x" + p.kw() + ", stride " + p.strideH() + "x" + p.strideW()
                    + ", pads " + join(p.pads()) + (p.max() || !p.countIncludePad() ? "" : ", count_include_pad") + ")";
        if (op instanceof io.fedprune.model.Op.GlobalAvgPool) return "GlobalAveragePool";
        if (op instanceof io.fedprune.model.Op.ChannelAffine a) return "ChannelAffine(" + a.scale().length + ")";
        if (op instanceof io.fedprune.model.Op.Add) return "Add";
        return "flatten";
    }

    private static String join(float[] v) {
        StringBuilder b = new StringBuilder();
        for (float x : v) b.append(b.length() == 0 ? "" : ",").append(x);
        return b.toString();
    }

    private static String join(int[] v) {
        StringBuilder b = new StringBuilder();
        for (int x : v) b.append(b.length() == 0 ? "" : ",").append(x);
        return b.toString();
    }

    static String shape(int[] s) {
        StringBuilder b = new StringBuilder();
        for (int d : s) b.append(b.length() == 0 ? "" : "x").append(d);
        return b.toString();
    }
}
