package io.fedprune.onnx;

import io.fedprune.dpp.Granularity;
import io.fedprune.model.Graph;
import io.fedprune.model.Model;
import io.fedprune.model.Op;
import io.fedprune.model.Preprocessing;
import io.fedprune.onnx.proto.AttributeProto;
import io.fedprune.onnx.proto.GraphProto;
import io.fedprune.onnx.proto.ModelProto;
import io.fedprune.onnx.proto.NodeProto;
import io.fedprune.onnx.proto.OperatorSetIdProto;
import io.fedprune.onnx.proto.StringStringEntryProto;
import io.fedprune.onnx.proto.TensorProto;
import io.fedprune.onnx.proto.TensorShapeProto;
import io.fedprune.onnx.proto.TypeProto;
import io.fedprune.onnx.proto.ValueInfoProto;
import io.fedprune.runtime.ChannelPlan;
import io.fedprune.runtime.LayerMask;
import io.fedprune.runtime.TierKeys;
import io.fedprune.runtime.TierKeys.LayerKey;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a model, dense or as a tier, as an ONNX model (opset 13) that ONNX Runtime and every ONNX tool load. The
 * input {@code input} is the preprocessed image batch {@code [batch, C, H, W]} (or {@code [batch, F]}), the output
 * {@code logits} the class scores {@code [batch, classes]}.
 *
 * <p>A tier's FILTER-pruned layers are physically smaller: the layer keeps only its kept output channels or neurons
 * and the next layers drop the matching inputs, through activations, pooling, channel affines, flatten and residual
 * Adds whose operands drop the same channels ({@link ChannelPlan}); a convolution that pads its input adds what the
 * removed channels' constants contribute as {@code <L>.border}, a {@code [cout, 1, kh, kw]} kernel convolved over
 * ones ({@code ConstantOfShape}) of the input's size. Where a residual Add (operands that keep different channels), a
 * depthwise convolution or the output forbids it, the layer stays masked and
 * {@code fedprune.layer.<L>.filter} says why. WEIGHT, KERNEL and N:M layers are masked weights (ONNX has no k-of-n
 * operator). {@code metadata_props} carry the preprocessing ({@code fedprune.preprocessing.scale/mean/std}, as
 * {@link OnnxImport} reads them), the tier's keep and name, and per pruned layer its granularity, n and k.
 */
public final class OnnxExport {
    /** The operator set the export targets. */
    public static final int OPSET = 13;

    private OnnxExport() {
    }

    /** The dense model. */
    public static byte[] dense(Model model) {
        return export(model, Map.of(), Map.of());
    }

    /**
     * A tier: the model with {@code masks} applied.
     *
     * @param meta extra {@code metadata_props} (e.g. {@code fedprune.tier}, {@code fedprune.keep}, {@code fedprune.job})
     */
    public static byte[] tier(Model model, Map<String, LayerMask> masks, Map<String, String> meta) {
        return export(model, masks, meta);
    }

    private static byte[] export(Model model, Map<String, LayerMask> masks, Map<String, String> extra) {
        Graph g = model.graph();
        ChannelPlan plan = ChannelPlan.of(model, masks);
        Map<String, int[]> shapes = g.valueShapes();
        GraphProto.Builder gp = GraphProto.newBuilder().setName(g.id());
        Map<String, String> names = new LinkedHashMap<>();     // graph value -> ONNX value
        names.put(g.input(), "input");
        for (Op op : g.ops()) {
            String out = op.output().equals(g.output()) ? "logits" : "v_" + op.output();
            names.put(op.output(), out);
            List<String> in = op.inputs().stream().map(names::get).toList();
            if (op instanceof Op.Conv c) {
                    ChannelPlan.Cut cut = plan.cut(model, c.layer(), c.input(), c.kh() * c.kw(), masks.get(c.layer()));
                    float[][] wb = weights(cut);
                    int cout = wb[1].length, cin = wb[0].length / cout / (c.kh() * c.kw());
                    String conv = cut.border() == null ? out : out + "_conv";
                    gp.addInitializer(floats(c.layer() + ".weight", wb[0], cout, cin, c.kh(), c.kw()));
                    gp.addInitializer(floats(c.layer() + ".bias", wb[1], cout));
                    gp.addNode(node("Conv", c.layer(), List.of(in.get(0), c.layer() + ".weight", c.layer() + ".bias"), conv,
                            window(c)).toBuilder().addAttribute(intAttr("group", c.groups())).build());
                    if (cut.border() != null) {
                        // the removed input channels' share: their folded kernel over a map of ones of the input's size
                        int[] s = shapes.get(c.input());
                        String b = c.layer() + ".border";
                        gp.addInitializer(floats(b, cut.border(), cout, 1, c.kh(), c.kw()));
                        gp.addInitializer(TensorProto.newBuilder().setName(b + "_ones_shape").setDataType(TensorProto.DataType.INT64_VALUE)
                                .addDims(4).addAllInt64Data(List.of(1L, 1L, (long) s[1], (long) s[2])).build());
                        gp.addNode(node("ConstantOfShape", b + "_ones", List.of(b + "_ones_shape"), b + "_ones",
                                AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                                        .setT(floats("one", new float[]{1f}, 1)).build()));
                        gp.addNode(node("Conv", b, List.of(b + "_ones", b), b + "_map", window(c)));
                        gp.addNode(node("Add", b + "_add", List.of(conv, b + "_map"), out));
                    }
            } else if (op instanceof Op.Dense d) {
                    float[][] wb = weights(plan.cut(model, d.layer(), d.input(), 1, masks.get(d.layer())));
                    int rows = wb[1].length;
                    gp.addInitializer(floats(d.layer() + ".weight", wb[0], rows, wb[0].length / rows));
                    gp.addInitializer(floats(d.layer() + ".bias", wb[1], rows));
                    gp.addNode(node("Gemm", d.layer(), List.of(in.get(0), d.layer() + ".weight", d.layer() + ".bias"), out,
                            intAttr("transB", 1)));
            } else if (op instanceof Op.Activation a) {
                    switch (a.fn()) {
                        case RELU -> gp.addNode(node("Relu", out, in, out));
                        case SIGMOID -> gp.addNode(node("Sigmoid", out, in, out));
                        case TANH -> gp.addNode(node("Tanh", out, in, out));
                        case LEAKY_RELU -> gp.addNode(node("LeakyRelu", out, in, out, floatAttr("alpha", a.alpha())));
                        case CLIP -> {
                            gp.addInitializer(floats(out + ".min", new float[]{a.min()}));
                            gp.addInitializer(floats(out + ".max", new float[]{a.max()}));
                            gp.addNode(node("Clip", out, List.of(in.get(0), out + ".min", out + ".max"), out));
                        }
                    }
            } else if (op instanceof Op.Pool p) {
                gp.addNode(node(p.max() ? "MaxPool" : "AveragePool", out, in, out,
                        ints("kernel_shape", p.kh(), p.kw()), ints("strides", p.strideH(), p.strideW()),
                        ints("pads", p.pads()[0], p.pads()[1], p.pads()[2], p.pads()[3]))
                        .toBuilder().addAllAttribute(p.max() ? List.of() : List.of(intAttr("count_include_pad", p.countIncludePad() ? 1 : 0))).build());
            } else if (op instanceof Op.GlobalAvgPool p) {
                gp.addNode(node("GlobalAveragePool", out, in, out));
            } else if (op instanceof Op.ChannelAffine a) {
                    int[] ch = plan.channels(a.input());
                    float[] scale = select(a.scale(), ch), shift = select(a.shift(), ch);
                    int[] s = shapes.get(a.input());
                    long[] dims = s.length == 3 ? new long[]{scale.length, 1, 1} : new long[]{scale.length};
                    gp.addInitializer(floats(out + ".scale", scale, dims));
                    gp.addInitializer(floats(out + ".shift", shift, dims));
                    gp.addNode(node("Mul", out + "_mul", List.of(in.get(0), out + ".scale"), out + "_scaled"));
                    gp.addNode(node("Add", out, List.of(out + "_scaled", out + ".shift"), out));
            } else if (op instanceof Op.Add a) {
                gp.addNode(node("Add", out, in, out));
            } else if (op instanceof Op.Flatten f) {
                gp.addNode(node("Flatten", out, in, out, intAttr("axis", 1)));
            }
        }
        int[] inShape = g.inputShape();
        long[] inDims = new long[inShape.length];
        for (int i = 0; i < inShape.length; i++) inDims[i] = inShape[i];
        gp.addInput(value("input", inDims)).addOutput(value("logits", g.classes()));
        Map<String, String> meta = new LinkedHashMap<>();
        Preprocessing p = g.preprocessing();
        meta.put(TierKeys.ONNX_PREPROCESSING_SCALE, Float.toString(p.scale()));
        meta.put(TierKeys.ONNX_PREPROCESSING_MEAN, join(p.mean()));
        meta.put(TierKeys.ONNX_PREPROCESSING_STD, join(p.std()));
        meta.put(TierKeys.ONNX_INPUT, "preprocessed: x = (pixel * scale - mean[c]) / std[c], NCHW float32");
        masks.forEach((l, m) -> {
            meta.put(LayerKey.GRANULARITY.onnx(l), m.spec().granularity() == Granularity.TILE
                    ? "TILE " + m.spec().k() + ":" + m.spec().tileM() : m.spec().granularity().name());
            meta.put(LayerKey.N.onnx(l), Integer.toString(m.spec().n()));
            meta.put(LayerKey.K.onnx(l), Integer.toString(m.spec().k()));
            if (m.spec().granularity() == Granularity.FILTER)
                meta.put(TierKeys.onnxFilter(l), plan.removed().containsKey(l) ? "removed"
                        : "masked: " + plan.kept().get(l));
            else meta.put(TierKeys.onnxFilter(l), "n/a: masked weights");
        });
        meta.putAll(extra);
        ModelProto.Builder mp = ModelProto.newBuilder().setIrVersion(7).setProducerName("fedprune").setProducerVersion("0.1")
                .setGraph(gp).addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET));
        meta.forEach((k, v) -> mp.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return mp.build().toByteArray();
    }

    /** A convolution's kernel shape, strides, pads and dilations. */
    private static AttributeProto[] window(Op.Conv c) {
        return new AttributeProto[]{ints("kernel_shape", c.kh(), c.kw()), ints("strides", c.strideH(), c.strideW()),
                ints("pads", c.pads()[0], c.pads()[1], c.pads()[2], c.pads()[3]), ints("dilations", 1, 1)};
    }

    /** The layer's weight (masked, cut by the plan) and bias. */
    private static float[][] weights(ChannelPlan.Cut cut) {
        float[] w = cut.weights().clone();
        if (cut.mask() != null) for (int i = 0; i < w.length; i++) if (cut.mask()[i] == 0) w[i] = 0;
        return new float[][]{w, cut.bias()};
    }

    private static float[] select(float[] a, int[] idx) {
        if (idx == null) return a;
        float[] out = new float[idx.length];
        for (int j = 0; j < idx.length; j++) out[j] = a[idx[j]];
        return out;
    }

    private static TensorProto floats(String name, float[] v, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(com.google.protobuf.ByteString.copyFrom(b.array()));
        for (long d : dims) t.addDims(d);
        return t.build();
    }

    private static TensorProto floats(String name, float[] v, int... dims) {
        return floats(name, v, Arrays.stream(dims).asLongStream().toArray());
    }

    private static NodeProto node(String type, String name, List<String> inputs, String output, AttributeProto... attrs) {
        return NodeProto.newBuilder().setOpType(type).setName(name).addAllInput(inputs).addOutput(output).addAllAttribute(List.of(attrs)).build();
    }

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto floatAttr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    private static ValueInfoProto value(String name, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (long d : dims) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s))).build();
    }

    private static String join(float[] v) {
        StringBuilder b = new StringBuilder();
        for (float x : v) b.append(b.length() == 0 ? "" : ",").append(x);
        return b.toString();
    }
}
