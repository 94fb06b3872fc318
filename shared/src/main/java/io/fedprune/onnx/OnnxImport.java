package io.fedprune.onnx;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fedprune.model.Graph;
import io.fedprune.model.Model;
import io.fedprune.model.Op;
import io.fedprune.model.Preprocessing;
import io.fedprune.model.Tensor;
import io.fedprune.onnx.proto.AttributeProto;
import io.fedprune.onnx.proto.GraphProto;
import io.fedprune.onnx.proto.ModelProto;
import io.fedprune.onnx.proto.NodeProto;
import io.fedprune.onnx.proto.OperatorSetIdProto;
import io.fedprune.onnx.proto.StringStringEntryProto;
import io.fedprune.onnx.proto.TensorProto;
import io.fedprune.onnx.proto.TensorShapeProto;
import io.fedprune.onnx.proto.ValueInfoProto;
import io.fedprune.runtime.TierKeys;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Loads an ONNX feed-forward classifier as a {@link Model}: {@link #load(Path)} or {@link #read(byte[], String)}.
 *
 * <p>Supported (opsets {@value #MIN_OPSET}-{@value #MAX_OPSET}, default domain; the one list is {@link #SUPPORTED}):
 * Conv (2-D, any strides and pads, dilations 1, group 1 or depthwise), Gemm and MatMul with a constant weight (an
 * Add of a constant after them is their bias), Relu, LeakyRelu, Sigmoid, Tanh, Clip (e.g. ReLU6), MaxPool,
 * AveragePool (floor mode), GlobalAveragePool, BatchNormalization in inference form (folded into the preceding Conv
 * or Gemm when it is that layer's only consumer, else a fixed per-channel affine map), Add of two activations of the
 * same shape (residual), Flatten (axis 1), Reshape to {@code [batch, features]}, Dropout and Identity (no-ops),
 * Constant, and Softmax / LogSoftmax as the last node (recorded as the graph's {@link Graph.Head}, ignored for the
 * loss). The graph has one float input {@code [N, C, H, W]} or {@code [N, F]} (N symbolic or 1) and one output
 * {@code [N, classes]}. Weights come from initializers (or Constant nodes), stored in the file (no external data).
 *
 * <p>Each Conv, Gemm and MatMul becomes a prunable layer named after its weight initializer without a trailing
 * {@code .weight} (PyTorch's {@code conv1.weight} gives layer {@code conv1}), else after its node; its parameters are
 * {@code <layer>.weight} ({@code [cout, cin/group, kh, kw]} or {@code [out, in]}) and {@code <layer>.bias} (zeros
 * when the model has none). Preprocessing defaults to {@code pixel / 255}; a model may declare its own in the
 * metadata properties {@value TierKeys#ONNX_PREPROCESSING_SCALE}, {@value TierKeys#ONNX_PREPROCESSING_MEAN} and {@value TierKeys#ONNX_PREPROCESSING_STD} (comma-separated per-channel
 * values).
 *
 * <p>Anything else is refused before training with an {@link OnnxImportException} whose one-line message names the
 * node, its operator and what is supported.
 */
public final class OnnxImport {

    /** Lowest and highest supported opset of the default ONNX domain. */
    public static final int MIN_OPSET = 11, MAX_OPSET = 17;
    /** The supported operators and their supported attributes: the one place this list lives. */
    public static final Map<String, Set<String>> SUPPORTED = supported();

    private static Map<String, Set<String>> supported() {
        Map<String, Set<String>> m = new LinkedHashMap<>();
        m.put("Conv", Set.of("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"));
        m.put("Gemm", Set.of("alpha", "beta", "transA", "transB"));
        m.put("MatMul", Set.of());
        m.put("Add", Set.of());
        m.put("Relu", Set.of());
        m.put("LeakyRelu", Set.of("alpha"));
        m.put("Sigmoid", Set.of());
        m.put("Tanh", Set.of());
        m.put("Clip", Set.of());
        m.put("MaxPool", Set.of("auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"));
        m.put("AveragePool", Set.of("auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"));
        m.put("GlobalAveragePool", Set.of());
        m.put("BatchNormalization", Set.of("epsilon", "momentum", "training_mode"));
        m.put("Flatten", Set.of("axis"));
        m.put("Reshape", Set.of("allowzero"));
        m.put("Dropout", Set.of("seed"));
        m.put("Identity", Set.of());
        m.put("Constant", Set.of("value"));
        m.put("Softmax", Set.of("axis"));
        m.put("LogSoftmax", Set.of("axis"));
        return java.util.Collections.unmodifiableMap(m);
    }

    private OnnxImport() {
    }

    /** Loads {@code file}; the model's id is the file name without {@code .onnx}. Errors name the file. */
    public static Model load(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String name = file.getFileName().toString();
        String id = name.toLowerCase(Locale.ROOT).endsWith(".onnx") ? name.substring(0, name.length() - 5) : name;
        try {
            return read(bytes, id);
        } catch (OnnxImportException e) {
            throw new OnnxImportException(file + ": " + e.getMessage());
        }
    }

    /** Reads an ONNX model from its bytes; {@code id} names the resulting graph. */
    public static Model read(byte[] bytes, String id) {
        ModelProto proto;
        try {
            proto = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxImportException("not an ONNX model (truncated or corrupt protobuf: " + oneLine(e.getMessage()) + ")");
        }
        if (!proto.hasIrVersion() || !proto.hasGraph() || proto.getGraph().getNodeCount() == 0)
            throw new OnnxImportException("not an ONNX model (no IR version or no graph with nodes; truncated?)");
        checkOpset(proto);
        return new Importer(proto.getGraph(), id, preprocessing(proto)).run();
    }

    /**
     * The operator types (default domain) a model's graph uses, sorted; what a device must run (see
     * {@code Capabilities#onnxOperators}).
     *
     * @throws OnnxImportException if the bytes are not an ONNX model
     */
    public static java.util.SortedSet<String> operators(byte[] bytes) {
        try {
            java.util.SortedSet<String> out = new java.util.TreeSet<>();
            for (var n : ModelProto.parseFrom(bytes).getGraph().getNodeList()) out.add(n.getOpType());
            return out;
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxImportException("not an ONNX model (truncated or corrupt protobuf: " + oneLine(e.getMessage()) + ")");
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }

    private static void checkOpset(ModelProto proto) {
        Integer opset = null;
        for (OperatorSetIdProto o : proto.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) opset = (int) o.getVersion();
        }
        if (opset == null) throw new OnnxImportException("model imports no default ONNX opset; supported: opsets " + MIN_OPSET + "-" + MAX_OPSET);
        if (opset < MIN_OPSET || opset > MAX_OPSET)
            throw new OnnxImportException("model uses opset " + opset + "; supported: opsets " + MIN_OPSET + "-" + MAX_OPSET
                    + " (export with opset_version between them)");
    }

    private static Preprocessing preprocessing(ModelProto proto) {
        Map<String, String> meta = new HashMap<>();
        for (StringStringEntryProto e : proto.getMetadataPropsList()) meta.put(e.getKey(), e.getValue());
        if (!meta.containsKey(TierKeys.ONNX_PREPROCESSING_SCALE) && !meta.containsKey(TierKeys.ONNX_PREPROCESSING_MEAN) && !meta.containsKey(TierKeys.ONNX_PREPROCESSING_STD))
            return Preprocessing.PIXEL_SCALE;
        try {
            float[] scale = floats(meta.getOrDefault(TierKeys.ONNX_PREPROCESSING_SCALE, Float.toString(1f / 255)));
            if (scale.length != 1) throw new IllegalArgumentException(TierKeys.ONNX_PREPROCESSING_SCALE + " must be one value");
            return new Preprocessing(scale[0], floats(meta.getOrDefault(TierKeys.ONNX_PREPROCESSING_MEAN, "0")), floats(meta.getOrDefault(TierKeys.ONNX_PREPROCESSING_STD, "1")));
        } catch (IllegalArgumentException e) {
            throw new OnnxImportException("bad preprocessing metadata: " + e.getMessage());
        }
    }

    private static float[] floats(String csv) {
        String[] parts = csv.split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = Float.parseFloat(parts[i].trim());
        return out;
    }

    /** One pass over the nodes in their (topological) order, building ops and parameters. */
    private static final class Importer {
        private final GraphProto g;
        private final String id;
        private final Preprocessing preprocessing;
        private final Map<String, TensorProto> constants = new HashMap<>();
        /** ONNX value name -> internal value name (no-ops map their output to their input). */
        private final Map<String, String> alias = new HashMap<>();
        private final Map<String, int[]> shapes = new HashMap<>();
        /** Number of node inputs and graph outputs reading each ONNX value. */
        private final Map<String, Integer> readers = new HashMap<>();
        private final List<Op> ops = new ArrayList<>();
        /** Internal value name -> index in ops of the layer writing it. */
        private final Map<String, Integer> layerOf = new HashMap<>();
        private final Map<String, float[]> params = new LinkedHashMap<>();
        private final Set<String> layerNames = new HashSet<>();
        private String input, graphOutput;
        private Graph.Head head = Graph.Head.LOGITS;
        private String headInput;

        Importer(GraphProto g, String id, Preprocessing preprocessing) {
            this.g = g;
            this.id = id;
            this.preprocessing = preprocessing;
        }

        Model run() {
            for (TensorProto t : g.getInitializerList()) constants.put(t.getName(), t);
            for (NodeProto n : g.getNodeList()) for (String in : n.getInputList()) if (!in.isEmpty()) readers.merge(in, 1, Integer::sum);
            if (g.getOutputCount() != 1)
                throw new OnnxImportException("graph has " + g.getOutputCount() + " outputs; supported: one output of class scores [N, classes]");
            graphOutput = g.getOutput(0).getName();
            readers.merge(graphOutput, 1, Integer::sum);
            int[] inShape = input();
            for (NodeProto n : g.getNodeList()) node(n);
            String out = head == Graph.Head.LOGITS ? resolve(graphOutput, "graph output") : headInput;
            int[] s = shapes.get(out);
            if (s == null) throw new OnnxImportException("graph output '" + graphOutput + "' is not computed by any node");
            if (s.length != 1)
                throw new OnnxImportException("graph output '" + graphOutput + "' has shape " + Arrays.toString(s)
                        + " per sample; supported: [N, classes] class scores");
            checkDeclaredOutput(s[0]);
            List<Tensor> tensors = new ArrayList<>();
            params.forEach((k, v) -> tensors.add(new Tensor(k, shapeOfParam(k), v)));
            Graph graph;
            try {
                graph = new Graph(id, inShape, s[0], preprocessing, ops, input, out, head);
            } catch (IllegalArgumentException e) {
                throw new OnnxImportException(e.getMessage());
            }
            return Model.fromTensors(graph, tensors);
        }

        private int[] shapeOfParam(String name) {
            String layer = name.substring(0, name.lastIndexOf('.'));
            for (Op op : ops) {
                if (op instanceof Op.Conv c && c.layer().equals(layer))
                    return name.endsWith(".weight") ? c.weightShape() : new int[]{c.cout()};
                if (op instanceof Op.Dense d && d.layer().equals(layer))
                    return name.endsWith(".weight") ? d.weightShape() : new int[]{d.out()};
            }
            throw new IllegalStateException("no layer for " + name);
        }

        private void checkDeclaredOutput(int classes) {
            ValueInfoProto o = g.getOutput(0);
            if (!o.hasType() || !o.getType().hasTensorType() || !o.getType().getTensorType().hasShape()) return;
            List<TensorShapeProto.Dimension> dims = o.getType().getTensorType().getShape().getDimList();
            if (dims.size() != 2 || (dims.get(1).hasDimValue() && dims.get(1).getDimValue() != classes))
                throw new OnnxImportException("graph output '" + o.getName() + "' is declared with shape " + dimString(dims)
                        + " but computes [N, " + classes + "]; supported: [N, classes]");
        }

        /** The one non-initializer graph input; returns its shape without the batch dimension. */
        private int[] input() {
            List<ValueInfoProto> real = new ArrayList<>();
            for (ValueInfoProto v : g.getInputList()) if (!constants.containsKey(v.getName())) real.add(v);
            if (real.size() != 1)
                throw new OnnxImportException("graph has " + real.size() + " inputs; supported: one image input [N, C, H, W] or [N, F]");
            ValueInfoProto v = real.get(0);
            input = v.getName();
            if (!v.getType().hasTensorType() || v.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE)
                throw new OnnxImportException("graph input '" + input + "' is not a float32 tensor; supported: float32 [N, C, H, W] or [N, F]");
            List<TensorShapeProto.Dimension> dims = v.getType().getTensorType().getShape().getDimList();
            if (dims.size() != 4 && dims.size() != 2)
                throw new OnnxImportException("graph input '" + input + "' has shape " + dimString(dims) + "; supported: [N, C, H, W] or [N, F]");
            if (dims.get(0).hasDimValue() && dims.get(0).getDimValue() != 1)
                throw new OnnxImportException("graph input '" + input + "' has a fixed batch of " + dims.get(0).getDimValue()
                        + "; supported: a symbolic batch dimension or 1");
            int[] s = new int[dims.size() - 1];
            for (int i = 1; i < dims.size(); i++) {
                if (!dims.get(i).hasDimValue() || dims.get(i).getDimValue() < 1)
                    throw new OnnxImportException("graph input '" + input + "' has shape " + dimString(dims) + "; all but the batch dimension must be fixed");
                s[i - 1] = Math.toIntExact(dims.get(i).getDimValue());
            }
            alias.put(input, input);
            shapes.put(input, s);
            return s;
        }

        private static String dimString(List<TensorShapeProto.Dimension> dims) {
            List<String> out = new ArrayList<>();
            for (TensorShapeProto.Dimension d : dims) out.add(d.hasDimValue() ? Long.toString(d.getDimValue()) : d.hasDimParam() ? d.getDimParam() : "?");
            return out.toString();
        }

        // ---- nodes ----

        private void node(NodeProto n) {
            String op = n.getOpType();
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx"))
                throw fail(n, "operator of domain '" + n.getDomain() + "' unsupported; supported: the default ONNX domain, operators " + SUPPORTED.keySet());
            Set<String> attrs = SUPPORTED.get(op);
            if (attrs == null) throw fail(n, "unsupported operator; supported: " + SUPPORTED.keySet());
            for (AttributeProto a : n.getAttributeList())
                if (!attrs.contains(a.getName()))
                    throw fail(n, "attribute '" + a.getName() + "' unsupported; supported attributes of " + op + ": " + (attrs.isEmpty() ? "none" : new java.util.TreeSet<>(attrs)));
            if (headInput != null) throw fail(n, "node after " + head + "; supported: Softmax/LogSoftmax only as the last node");
            switch (op) {
                case "Constant" -> constant(n);
                case "Conv" -> conv(n);
                case "Gemm" -> gemm(n);
                case "MatMul" -> matMul(n);
                case "Add" -> add(n);
                case "Relu" -> activation(n, Op.Activation.of(Op.Fn.RELU, in(n, 0), out(n)));
                case "Sigmoid" -> activation(n, Op.Activation.of(Op.Fn.SIGMOID, in(n, 0), out(n)));
                case "Tanh" -> activation(n, Op.Activation.of(Op.Fn.TANH, in(n, 0), out(n)));
                case "LeakyRelu" -> activation(n, new Op.Activation(Op.Fn.LEAKY_RELU, floatAttr(n, "alpha", 0.01f), 0, 0, in(n, 0), out(n)));
                case "Clip" -> clip(n);
                case "MaxPool", "AveragePool" -> pool(n);
                case "GlobalAveragePool" -> add(n, new Op.GlobalAvgPool(in(n, 0), out(n)));
                case "BatchNormalization" -> batchNorm(n);
                case "Flatten" -> flatten(n);
                case "Reshape" -> reshape(n);
                case "Dropout" -> noOp(n, 1);
                case "Identity" -> noOp(n, 1);
                case "Softmax", "LogSoftmax" -> softmax(n);
                default -> throw new IllegalStateException(op);
            }
        }

        private static OnnxImportException fail(NodeProto n, String what) {
            String name = n.getName().isEmpty() ? "(unnamed, output '" + (n.getOutputCount() > 0 ? n.getOutput(0) : "") + "')" : "'" + n.getName() + "'";
            return new OnnxImportException("node " + name + " (" + n.getOpType() + "): " + what);
        }

        /** The internal name of activation input {@code i}; constants are refused here. */
        private String in(NodeProto n, int i) {
            if (n.getInputCount() <= i || n.getInput(i).isEmpty()) throw fail(n, "input " + i + " missing");
            String name = n.getInput(i);
            if (constants.containsKey(name)) throw fail(n, "input '" + name + "' is a constant; supported: an activation there");
            String internal = alias.get(name);
            if (internal == null) throw fail(n, "input '" + name + "' is not computed before this node (graph not in topological order?)");
            return internal;
        }

        private String resolve(String onnxName, String what) {
            String internal = alias.get(onnxName);
            if (internal == null) throw new OnnxImportException(what + " '" + onnxName + "' is not computed by any node");
            return internal;
        }

        /** The single output; extra outputs (e.g. Dropout's mask, MaxPool's indices) must be absent. */
        private String out(NodeProto n) {
            if (n.getOutputCount() < 1) throw fail(n, "no output");
            for (int i = 1; i < n.getOutputCount(); i++)
                if (!n.getOutput(i).isEmpty() && readers.containsKey(n.getOutput(i)))
                    throw fail(n, "output " + i + " ('" + n.getOutput(i) + "') is used; supported: only the first output");
            String o = n.getOutput(0);
            alias.put(o, o);
            return o;
        }

        private TensorProto constant(NodeProto n, int i, boolean required) {
            if (n.getInputCount() <= i || n.getInput(i).isEmpty()) {
                if (required) throw fail(n, "input " + i + " missing");
                return null;
            }
            TensorProto t = constants.get(n.getInput(i));
            if (t == null) throw fail(n, "input '" + n.getInput(i) + "' is computed; supported: an initializer or Constant there");
            return t;
        }

        private void add(NodeProto n, Op op) {
            List<int[]> in = new ArrayList<>();
            for (String s : op.inputs()) in.add(shapes.get(s));
            try {
                shapes.put(op.output(), op.outputShape(in));
            } catch (IllegalArgumentException e) {
                throw fail(n, e.getMessage());
            }
            ops.add(op);
        }

        private void activation(NodeProto n, Op.Activation a) {
            add(n, a);
        }

        private void constant(NodeProto n) {
            AttributeProto a = attr(n, "value");
            if (a == null || !a.hasT()) throw fail(n, "needs a tensor 'value'; supported: Constant with attribute value");
            constants.put(n.getOutput(0), a.getT().toBuilder().setName(n.getOutput(0)).build());
        }

        private String layerName(NodeProto n, TensorProto weight, String kind) {
            String base = weight.getName().endsWith(".weight") ? weight.getName().substring(0, weight.getName().length() - 7) : null;
            if (base == null && !n.getName().isEmpty()) {
                String[] parts = n.getName().replaceAll("^/+", "").split("/");
                base = parts.length > 1 ? parts[parts.length - 2] : parts[0];
            }
            if (base == null || base.isBlank()) base = kind + (layerNames.size() + 1);
            String name = base;
            for (int i = 2; !layerNames.add(name); i++) name = base + "_" + i;
            return name;
        }

        private void conv(NodeProto n) {
            String x = in(n, 0);
            TensorProto wt = constant(n, 1, true);
            TensorProto bt = constant(n, 2, false);
            int[] ws = dims(n, wt);
            if (ws.length != 4) throw fail(n, "weight of shape " + Arrays.toString(ws) + "; supported: 2-D convolutions, weight [cout, cin/group, kh, kw]");
            int[] xs = shapes.get(x);
            if (xs.length != 3) throw fail(n, "input shape " + Arrays.toString(xs) + "; supported: [N, C, H, W]");
            int group = (int) intAttr(n, "group", 1);
            int cin = xs[0], cout = ws[0], kh = ws[2], kw = ws[3];
            if (ws[1] * group != cin)
                throw fail(n, "weight " + Arrays.toString(ws) + " with group " + group + " does not fit " + cin + " input channels");
            long[] ks = intsAttr(n, "kernel_shape", null);
            if (ks != null && (ks.length != 2 || ks[0] != kh || ks[1] != kw))
                throw fail(n, "kernel_shape " + Arrays.toString(ks) + " does not match the weight " + Arrays.toString(ws));
            ones(n, "dilations");
            int[] strides = pair(n, "strides");
            int[] pads = pads(n, xs, kh, kw, strides);
            String layer = layerName(n, wt, "conv");
            Op.Conv op;
            try {
                op = new Op.Conv(layer, x, out(n), cin, cout, kh, kw, strides[0], strides[1], pads, group);
            } catch (IllegalArgumentException e) {
                throw fail(n, e.getMessage());
            }
            float[] b = bt == null ? new float[cout] : vector(n, bt, cout, "bias");
            addLayer(n, op, floats(n, wt), b);
        }

        private void addLayer(NodeProto n, Op op, float[] w, float[] b) {
            String layer = op instanceof Op.Conv c ? c.layer() : ((Op.Dense) op).layer();
            params.put(layer + ".weight", w);
            params.put(layer + ".bias", b);
            layerOf.put(op.output(), ops.size());
            add(n, op);
        }

        private void gemm(NodeProto n) {
            String a = in(n, 0);
            TensorProto bt = constant(n, 1, true);
            TensorProto ct = constant(n, 2, false);
            if (intAttr(n, "transA", 0) != 0) throw fail(n, "transA = 1 unsupported; supported: transA 0 (activations as rows)");
            boolean transB = intAttr(n, "transB", 0) != 0;
            float alpha = floatAttr(n, "alpha", 1f), beta = floatAttr(n, "beta", 1f);
            int[] bs = dims(n, bt);
            if (bs.length != 2) throw fail(n, "weight of shape " + Arrays.toString(bs) + "; supported: a 2-D weight");
            int out = transB ? bs[0] : bs[1], inF = transB ? bs[1] : bs[0];
            float[] w = weightOutIn(floats(n, bt), bs, transB);
            if (alpha != 1f) for (int i = 0; i < w.length; i++) w[i] *= alpha;
            float[] bias = ct == null ? new float[out] : vector(n, ct, out, "C");
            if (beta != 1f) for (int i = 0; i < bias.length; i++) bias[i] *= beta;
            dense(n, a, bt, inF, out, w, bias);
        }

        private void matMul(NodeProto n) {
            String a = in(n, 0);
            TensorProto bt = constant(n, 1, true);
            int[] bs = dims(n, bt);
            if (bs.length != 2) throw fail(n, "second input of shape " + Arrays.toString(bs) + "; supported: a 2-D constant weight [in, out]");
            dense(n, a, bt, bs[0], bs[1], weightOutIn(floats(n, bt), bs, false), new float[bs[1]]);
        }

        private void dense(NodeProto n, String a, TensorProto wt, int inF, int out, float[] w, float[] bias) {
            int[] as = shapes.get(a);
            if (as.length != 1)
                throw fail(n, "input shape [N, " + join(as) + "]; supported: [N, features] (add a Flatten before it)");
            if (as[0] != inF) throw fail(n, "input has " + as[0] + " features, weight expects " + inF);
            addLayer(n, new Op.Dense(layerName(n, wt, "fc"), a, out(n), inF, out), w, bias);
        }

        private static String join(int[] s) {
            return Arrays.toString(s).replaceAll("[\\[\\]]", "");
        }

        /** {@code [out, in]} from a 2-D weight stored {@code [out, in]} ({@code transposed}) or {@code [in, out]}. */
        private static float[] weightOutIn(float[] v, int[] s, boolean transposed) {
            if (transposed) return v;
            int rows = s[0], cols = s[1];
            float[] t = new float[v.length];
            for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = v[r * cols + c];
            return t;
        }

        /** Add: two activations (residual) or an activation plus a constant bias of the layer writing it. */
        private void add(NodeProto n) {
            if (n.getInputCount() != 2) throw fail(n, "needs two inputs");
            boolean c0 = constants.containsKey(n.getInput(0)), c1 = constants.containsKey(n.getInput(1));
            if (c0 && c1) throw fail(n, "adds two constants; supported: activation + activation or layer output + bias");
            if (!c0 && !c1) {
                add(n, new Op.Add(in(n, 0), in(n, 1), out(n)));
                return;
            }
            int ai = c0 ? 1 : 0;
            String x = in(n, ai);
            TensorProto bt = constants.get(n.getInput(1 - ai));
            Integer li = layerOf.get(x);
            if (li == null || readers.getOrDefault(n.getInput(ai), 0) != 1)
                throw fail(n, "adds a constant to '" + n.getInput(ai) + "'; supported: a constant only as the bias right after a Gemm, MatMul or Conv");
            Op layer = ops.get(li);
            int outs = layer instanceof Op.Conv c ? c.cout() : ((Op.Dense) layer).out();
            int[] bd = dims(n, bt);
            // ONNX broadcasts from the last axis: a per-channel constant of a [N, C, H, W] map is [C, 1, 1]
            boolean perChannel = layer instanceof Op.Conv ? bd.length >= 3 && bd[bd.length - 3] == outs && bd[bd.length - 1] == 1
                    : bd.length >= 1 && bd[bd.length - 1] == outs;
            int size = 1;
            for (int d : bd) size *= d;
            if (size != 1 && !perChannel)
                throw fail(n, "constant of shape " + Arrays.toString(bd) + " added to the layer output; supported: a bias "
                        + (layer instanceof Op.Conv ? "[" + outs + ", 1, 1]" : "[" + outs + "]") + " or a scalar");
            float[] add = vector(n, bt, outs, "bias");
            float[] b = params.get(layerName(layer) + ".bias");
            for (int i = 0; i < outs; i++) b[i] += add[i];
            String o = n.getOutput(0);
            alias.put(o, x);
            layerOf.put(x, li);
        }

        private static String layerName(Op op) {
            return op instanceof Op.Conv c ? c.layer() : ((Op.Dense) op).layer();
        }

        private void clip(NodeProto n) {
            TensorProto lo = constant(n, 1, false), hi = constant(n, 2, false);
            float min = lo == null ? Float.NEGATIVE_INFINITY : scalar(n, lo, "min");
            float max = hi == null ? Float.POSITIVE_INFINITY : scalar(n, hi, "max");
            if (!(min <= max)) throw fail(n, "min " + min + " > max " + max);
            activation(n, new Op.Activation(Op.Fn.CLIP, 0, min, max, in(n, 0), out(n)));
        }

        private void pool(NodeProto n) {
            boolean max = n.getOpType().equals("MaxPool");
            String x = in(n, 0);
            int[] xs = shapes.get(x);
            if (xs.length != 3) throw fail(n, "input shape " + Arrays.toString(xs) + "; supported: [N, C, H, W]");
            long[] k = intsAttr(n, "kernel_shape", null);
            if (k == null || k.length != 2) throw fail(n, "kernel_shape " + (k == null ? "missing" : Arrays.toString(k)) + "; supported: 2-D pooling");
            if (intAttr(n, "ceil_mode", 0) != 0) throw fail(n, "ceil_mode 1 unsupported; supported: ceil_mode 0 (floor)");
            if (max) {
                ones(n, "dilations");
                if (intAttr(n, "storage_order", 0) != 0) throw fail(n, "storage_order 1 unsupported; supported: 0");
            }
            int[] strides = pair(n, "strides");
            int[] pads = pads(n, xs, (int) k[0], (int) k[1], strides);
            boolean includePad = !max && intAttr(n, "count_include_pad", 0) != 0;
            try {
                add(n, new Op.Pool(max, (int) k[0], (int) k[1], strides[0], strides[1], pads, includePad, x, out(n)));
            } catch (IllegalArgumentException e) {
                throw fail(n, e.getMessage());
            }
        }

        private void batchNorm(NodeProto n) {
            if (intAttr(n, "training_mode", 0) != 0) throw fail(n, "training_mode 1 unsupported; supported: inference form");
            String x = in(n, 0);
            int[] xs = shapes.get(x);
            int c = xs[0];
            float[] gamma = vector(n, constant(n, 1, true), c, "scale"), beta = vector(n, constant(n, 2, true), c, "B");
            float[] mean = vector(n, constant(n, 3, true), c, "mean"), var = vector(n, constant(n, 4, true), c, "var");
            float eps = floatAttr(n, "epsilon", 1e-5f);
            float[] scale = new float[c], shift = new float[c];
            for (int i = 0; i < c; i++) {
                scale[i] = (float) (gamma[i] / Math.sqrt((double) var[i] + eps));
                shift[i] = beta[i] - mean[i] * scale[i];
            }
            Integer li = layerOf.get(x);
            if (li != null && readers.getOrDefault(n.getInput(0), 0) == 1) {
                // fold into the layer: W' = W * scale (per output), b' = b * scale + shift
                Op layer = ops.get(li);
                String name = layerName(layer);
                float[] w = params.get(name + ".weight"), b = params.get(name + ".bias");
                int per = w.length / c;
                for (int o = 0; o < c; o++) {
                    for (int j = 0; j < per; j++) w[o * per + j] *= scale[o];
                    b[o] = b[o] * scale[o] + shift[o];
                }
                alias.put(n.getOutput(0), x);
                for (int i = 1; i < n.getOutputCount(); i++)
                    if (!n.getOutput(i).isEmpty() && readers.containsKey(n.getOutput(i)))
                        throw fail(n, "output " + i + " is used; supported: only the first output (inference form)");
                return;
            }
            add(n, new Op.ChannelAffine(scale, shift, x, out(n)));
        }

        private void flatten(NodeProto n) {
            String x = in(n, 0);
            int rank = shapes.get(x).length + 1;
            long axis = intAttr(n, "axis", 1);
            if (axis < 0) axis += rank;
            if (axis != 1) throw fail(n, "axis " + intAttr(n, "axis", 1) + " unsupported; supported: axis 1 ([N, ...] -> [N, features])");
            add(n, new Op.Flatten(x, out(n)));
        }

        private void reshape(NodeProto n) {
            String x = in(n, 0);
            TensorProto st = constant(n, 1, true);
            long[] shape = longs(n, st);
            int[] xs = shapes.get(x);
            long features = 1;
            for (int d : xs) features *= d;
            boolean flat = shape.length == 2 && (shape[0] == 0 || shape[0] == -1 || shape[0] == 1)
                    && (shape[1] == -1 || shape[1] == features) && !(shape[0] == -1 && shape[1] == -1);
            if (!flat || intAttr(n, "allowzero", 0) != 0)
                throw fail(n, "target shape " + Arrays.toString(shape) + " unsupported; supported: the flatten kind [N, " + features
                        + "] (e.g. [-1, " + features + "] or [0, -1]; torch.flatten(x, 1) exports as Flatten)");
            add(n, new Op.Flatten(x, out(n)));
        }

        private void noOp(NodeProto n, int inputs) {
            String x = in(n, 0);
            for (int i = inputs; i < n.getInputCount(); i++)
                if (!n.getInput(i).isEmpty() && !constants.containsKey(n.getInput(i)))
                    throw fail(n, "input " + i + " is computed; supported: constant ratio / training_mode");
            if (n.getOpType().equals("Dropout") && n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                long[] tm = longsOrBool(n, constants.get(n.getInput(2)));
                if (tm.length > 0 && tm[0] != 0) throw fail(n, "training_mode true unsupported; supported: inference");
            }
            out(n);
            alias.put(n.getOutput(0), x);
        }

        private void softmax(NodeProto n) {
            String x = in(n, 0);
            if (!n.getOutput(0).equals(graphOutput))
                throw fail(n, "not at the output; supported: " + n.getOpType() + " only as the last node, on [N, classes]");
            if (shapes.get(x).length != 1) throw fail(n, "input is not [N, classes]; supported: " + n.getOpType() + " over the class scores");
            long axis = intAttr(n, "axis", -1);
            if (axis != 1 && axis != -1) throw fail(n, "axis " + axis + " unsupported; supported: the class axis (1 or -1)");
            head = n.getOpType().equals("Softmax") ? Graph.Head.SOFTMAX : Graph.Head.LOG_SOFTMAX;
            headInput = x;
        }

        // ---- attributes ----

        private static AttributeProto attr(NodeProto n, String name) {
            for (AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a;
            return null;
        }

        private static long intAttr(NodeProto n, String name, long def) {
            AttributeProto a = attr(n, name);
            return a == null ? def : a.getI();
        }

        private static float floatAttr(NodeProto n, String name, float def) {
            AttributeProto a = attr(n, name);
            return a == null ? def : a.getF();
        }

        private static long[] intsAttr(NodeProto n, String name, long[] def) {
            AttributeProto a = attr(n, name);
            return a == null ? def : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
        }

        private static void ones(NodeProto n, String name) {
            long[] v = intsAttr(n, name, null);
            if (v != null) for (long x : v) if (x != 1) throw fail(n, name + " " + Arrays.toString(v) + " unsupported; supported: " + name + " 1");
        }

        private static int[] pair(NodeProto n, String name) {
            long[] v = intsAttr(n, name, new long[]{1, 1});
            if (v.length != 2 || v[0] < 1 || v[1] < 1) throw fail(n, name + " " + Arrays.toString(v) + "; supported: two positive values");
            return new int[]{(int) v[0], (int) v[1]};
        }

        /** {@code [top, left, bottom, right]} from {@code pads} ({@code [t, l, b, r]} in ONNX's begin/end order) or {@code auto_pad}. */
        private static int[] pads(NodeProto n, int[] xs, int kh, int kw, int[] strides) {
            AttributeProto ap = attr(n, "auto_pad");
            String auto = ap == null ? "NOTSET" : ap.getS().toStringUtf8();
            long[] p = intsAttr(n, "pads", null);
            switch (auto) {
                case "NOTSET" -> {
                    if (p == null) return new int[4];
                    if (p.length != 4) throw fail(n, "pads " + Arrays.toString(p) + "; supported: 4 values for 2-D");
                    for (long v : p) if (v < 0) throw fail(n, "negative pads " + Arrays.toString(p));
                    return new int[]{(int) p[0], (int) p[1], (int) p[2], (int) p[3]};
                }
                case "VALID" -> {
                    return new int[4];
                }
                case "SAME_UPPER", "SAME_LOWER" -> {
                    int[] r = new int[4];
                    int[] k = {kh, kw};
                    for (int d = 0; d < 2; d++) {
                        int size = xs[1 + d], out = (size + strides[d] - 1) / strides[d];
                        int total = Math.max(0, (out - 1) * strides[d] + k[d] - size);
                        int small = total / 2, big = total - small;
                        boolean upper = auto.equals("SAME_UPPER");
                        r[d] = upper ? small : big;
                        r[d + 2] = upper ? big : small;
                    }
                    return r;
                }
                default -> throw fail(n, "auto_pad " + auto + " unsupported; supported: NOTSET, VALID, SAME_UPPER, SAME_LOWER");
            }
        }

        // ---- tensors ----

        private static int[] dims(NodeProto n, TensorProto t) {
            int[] d = new int[t.getDimsCount()];
            for (int i = 0; i < d.length; i++) {
                long v = t.getDims(i);
                if (v < 0 || v > Integer.MAX_VALUE) throw fail(n, "tensor '" + t.getName() + "' has dimension " + v);
                d[i] = (int) v;
            }
            return d;
        }

        private static float[] floats(NodeProto n, TensorProto t) {
            if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0)
                throw fail(n, "tensor '" + t.getName() + "' is stored in an external file; supported: weights inside the .onnx file");
            long size = 1;
            for (int d : dims(n, t)) size *= d;
            float[] out;
            if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE) {
                if (t.hasRawData()) {
                    if (t.getRawData().size() != size * 4)
                        throw fail(n, "tensor '" + t.getName() + "' has " + t.getRawData().size() + " bytes for " + size + " floats (truncated?)");
                    out = new float[(int) size];
                    t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
                } else {
                    out = new float[t.getFloatDataCount()];
                    for (int i = 0; i < out.length; i++) out[i] = t.getFloatData(i);
                }
            } else if (t.getDataType() == TensorProto.DataType.DOUBLE_VALUE) {
                double[] d;
                if (t.hasRawData()) {
                    if (t.getRawData().size() != size * 8) throw fail(n, "tensor '" + t.getName() + "' has a wrong byte count (truncated?)");
                    d = new double[(int) size];
                    t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(d);
                } else {
                    d = t.getDoubleDataList().stream().mapToDouble(Double::doubleValue).toArray();
                }
                out = new float[d.length];
                for (int i = 0; i < d.length; i++) out[i] = (float) d[i];
            } else {
                throw fail(n, "tensor '" + t.getName() + "' has data type " + t.getDataType() + "; supported: float32 weights");
            }
            if (out.length != size) throw fail(n, "tensor '" + t.getName() + "' has " + out.length + " values for shape " + Arrays.toString(dims(n, t)));
            return out;
        }

        /** A per-channel vector of length {@code c} (shape [c], [1, c] or [c, 1, 1], or a scalar broadcast). */
        private static float[] vector(NodeProto n, TensorProto t, int c, String what) {
            float[] v = floats(n, t);
            if (v.length == c) {
                int[] d = dims(n, t);
                int big = 0;
                for (int x : d) if (x != 1) big++;
                if (big <= 1) return v;
            }
            if (v.length == 1) {
                float[] r = new float[c];
                Arrays.fill(r, v[0]);
                return r;
            }
            throw fail(n, what + " '" + t.getName() + "' has shape " + Arrays.toString(dims(n, t)) + "; supported: " + c + " values, one per channel");
        }

        private static float scalar(NodeProto n, TensorProto t, String what) {
            float[] v = floats(n, t);
            if (v.length != 1) throw fail(n, what + " must be a scalar");
            return v[0];
        }

        private static long[] longs(NodeProto n, TensorProto t) {
            if (t.getDataType() != TensorProto.DataType.INT64_VALUE) throw fail(n, "tensor '" + t.getName() + "' must be int64");
            if (t.hasRawData()) {
                ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                long[] out = new long[b.remaining() / 8];
                b.asLongBuffer().get(out);
                return out;
            }
            return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
        }

        private static long[] longsOrBool(NodeProto n, TensorProto t) {
            if (t.getDataType() == TensorProto.DataType.BOOL_VALUE) {
                if (t.hasRawData()) return t.getRawData().isEmpty() ? new long[0] : new long[]{t.getRawData().byteAt(0)};
                return t.getInt32DataList().stream().mapToLong(Integer::longValue).toArray();
            }
            return longs(n, t);
        }
    }
}
