package io.fedprune.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A feed-forward model's structure: a DAG of typed {@link Op}s in topological order from one input value to one
 * output value of {@code classes} scores, the input's shape (without batch: {@code [C, H, W]} or {@code [F]}) and
 * the {@link Preprocessing} its inputs expect. Built-ins come from {@link ModelArch#graph()}, imported models from
 * {@code io.fedprune.onnx.OnnxImport}; a {@link Model} adds the parameters.
 *
 * <p>Every {@link Op.Conv} and {@link Op.Dense} is a prunable {@link Layer} ({@link #layers()}, in forward order;
 * the last one is the output layer) with parameters {@code <layer>.weight} and {@code <layer>.bias}. Shapes are
 * checked when the graph is built: a graph that exists is runnable. Immutable.
 *
 * @param id            short name used in reports and file names (e.g. {@code lenet5} or the ONNX file's name)
 * @param inputShape    input shape without the batch dimension
 * @param classes       number of output scores
 * @param preprocessing how raw pixels become the input
 * @param ops           the operations, each reading only the input or earlier ops' outputs
 * @param input         name of the input value
 * @param output        name of the output value (the logits)
 * @param head          what the original model applied to the logits (ignored for the loss, which is softmax
 *                      cross-entropy on the logits)
 */
public record Graph(String id, int[] inputShape, int classes, Preprocessing preprocessing, List<Op> ops,
                    String input, String output, Head head) {

    /** The function the original model applied after the logits. */
    public enum Head { LOGITS, SOFTMAX, LOG_SOFTMAX }

    public Graph {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(preprocessing, "preprocessing");
        Objects.requireNonNull(head, "head");
        if (inputShape == null || (inputShape.length != 1 && inputShape.length != 3))
            throw new IllegalArgumentException("model input must be [C, H, W] or [F] (batch excluded): " + Arrays.toString(inputShape));
        for (int d : inputShape) if (d < 1) throw new IllegalArgumentException("model input dimensions must be >= 1: " + Arrays.toString(inputShape));
        if (classes < 2) throw new IllegalArgumentException("a classifier needs at least 2 classes: " + classes);
        inputShape = inputShape.clone();
        ops = List.copyOf(ops);
        if (ops.isEmpty()) throw new IllegalArgumentException("graph has no operations");
        if (inputShape.length == 3) preprocessing.checkChannels(inputShape[0]);
        Map<String, int[]> shapes = shapes(inputShape, ops, input);
        int[] out = shapes.get(output);
        if (out == null) throw new IllegalArgumentException("graph output '" + output + "' is not produced by any operation");
        if (out.length != 1 || out[0] != classes)
            throw new IllegalArgumentException("graph output '" + output + "' has shape " + Arrays.toString(out) + ", expected [" + classes + "] class scores");
        if (layers(ops).isEmpty()) throw new IllegalArgumentException("graph has no Conv, Gemm or MatMul layer");
    }

    /** The shape of every value (input and op outputs), checking names and shapes on the way. */
    private static Map<String, int[]> shapes(int[] inputShape, List<Op> ops, String input) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put(input, inputShape.clone());
        java.util.Set<String> layerNames = new java.util.HashSet<>();
        for (Op op : ops) {
            List<int[]> in = new ArrayList<>();
            for (String name : op.inputs()) {
                int[] s = shapes.get(name);
                if (s == null) throw new IllegalArgumentException(op.getClass().getSimpleName() + " reads '" + name + "', which no earlier operation writes");
                in.add(s);
            }
            if (shapes.containsKey(op.output())) throw new IllegalArgumentException("value '" + op.output() + "' is written twice");
            shapes.put(op.output(), op.outputShape(in));
            String layer = layerName(op);
            if (layer != null && !layerNames.add(layer)) throw new IllegalArgumentException("two layers named '" + layer + "'");
        }
        return shapes;
    }

    private static String layerName(Op op) {
        if (op instanceof Op.Conv c) return c.layer();
        if (op instanceof Op.Dense d) return d.layer();
        return null;
    }

    private static List<Layer> layers(List<Op> ops) {
        List<Layer> out = new ArrayList<>();
        int last = -1;
        for (int i = 0; i < ops.size(); i++) if (layerName(ops.get(i)) != null) last = i;
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (op instanceof Op.Conv c) out.add(new Layer(c.layer(), c.weightShape(), i == last));
            else if (op instanceof Op.Dense d) out.add(new Layer(d.layer(), d.weightShape(), i == last));
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** Number of input values per sample ({@code C * H * W} or {@code F}). */
    public int inputSize() {
        int n = 1;
        for (int d : inputShape) n *= d;
        return n;
    }

    /** Input channels ({@code C}, or 1 for a feature-vector input). */
    public int inputChannels() {
        return inputShape.length == 3 ? inputShape[0] : 1;
    }

    /** The shape (without batch) of every value, keyed by name. */
    public Map<String, int[]> valueShapes() {
        Map<String, int[]> s = shapes(inputShape, ops, input);
        Map<String, int[]> out = new HashMap<>();
        s.forEach((k, v) -> out.put(k, v.clone()));
        return out;
    }

    /** The prunable weight layers (every Conv and Gemm/MatMul) in forward order; the last is the output layer. */
    public List<Layer> layers() {
        return layers(ops);
    }

    /** The layer with this name. */
    public Layer layer(String name) {
        for (Layer l : layers()) if (l.name().equals(name)) return l;
        throw new IllegalArgumentException("layer '" + name + "' not in " + id + "; layers: " + layerNames());
    }

    /** Layer names in forward order. */
    public List<String> layerNames() {
        return layers().stream().map(Layer::name).toList();
    }

    /** Names of all parameters in canonical order: for each layer its weight then its bias. */
    public List<String> parameterNames() {
        List<String> out = new ArrayList<>();
        for (Layer l : layers()) {
            out.add(l.weightName());
            out.add(l.biasName());
        }
        return out;
    }

    /** Total number of trainable parameters (weights and biases). */
    public int parameterCount() {
        return layers().stream().mapToInt(l -> l.weightCount() + l.outputs()).sum();
    }

    /** The same structure with another preprocessing. */
    public Graph withPreprocessing(Preprocessing p) {
        return new Graph(id, inputShape, classes, p, ops, input, output, head);
    }

    /** The same structure under another id. */
    public Graph withId(String newId) {
        return new Graph(newId, inputShape, classes, preprocessing, ops, input, output, head);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Graph g && g.id.equals(id) && Arrays.equals(g.inputShape, inputShape) && g.classes == classes
                && g.preprocessing.equals(preprocessing) && g.ops.equals(ops) && g.input.equals(input)
                && g.output.equals(output) && g.head == head;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, Arrays.hashCode(inputShape), classes, preprocessing, ops, input, output, head);
    }

    @Override
    public String toString() {
        return id + " " + Arrays.toString(inputShape) + " -> " + classes + " classes, layers " + layers();
    }
}
