package io.fedprune.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A {@link Graph} with its parameters: a float32 array per named tensor ({@code fc1.weight}, {@code fc1.bias},
 * {@code conv1.weight}, ...), weights row-major {@code [out, in]} or {@code [cout, cin / group, kh, kw]}. Built-ins
 * start from {@link #init} on {@link ModelArch#graph()}; imported models come from {@code io.fedprune.onnx.OnnxImport}.
 *
 * <p>The arrays are mutable and handed out without copying ({@link #param}, {@link #weight}) because trainers update
 * them in place on the hot path; use {@link #copy()} for an independent model and {@link #toTensors()} for an
 * immutable-by-convention export (copies).
 */
public final class Model {

    private final Graph graph;
    private final Map<String, float[]> params;

    private Model(Graph graph, Map<String, float[]> params) {
        this.graph = graph;
        this.params = params;
    }

    /** He-normal weights (std sqrt(2 / fan-in)), zero biases, from {@code seed}. */
    public static Model init(Graph graph, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> p = new LinkedHashMap<>();
        for (Layer l : graph.layers()) {
            float[] w = new float[l.weightCount()];
            double std = Math.sqrt(2.0 / l.fanIn());
            for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * std);
            p.put(l.weightName(), w);
            p.put(l.biasName(), new float[l.outputs()]);
        }
        return new Model(graph, p);
    }

    /**
     * Builds a model from tensors (e.g. received over Kafka or read from safetensors). Every parameter of
     * {@code graph} must be present once with its exact shape; extra tensors are an error. Data are copied.
     */
    public static Model fromTensors(Graph graph, List<Tensor> tensors) {
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (Tensor t : tensors)
            if (byName.put(t.name(), t) != null) throw new IllegalArgumentException("tensor '" + t.name() + "' given twice");
        Map<String, float[]> p = new LinkedHashMap<>();
        for (Layer l : graph.layers()) {
            p.put(l.weightName(), take(byName, l.weightName(), l.weightShape()));
            p.put(l.biasName(), take(byName, l.biasName(), new int[]{l.outputs()}));
        }
        if (!byName.isEmpty())
            throw new IllegalArgumentException("tensors not in " + graph.id() + ": " + byName.keySet());
        return new Model(graph, p);
    }

    private static float[] take(Map<String, Tensor> byName, String name, int[] shape) {
        Tensor t = byName.remove(name);
        if (t == null) throw new IllegalArgumentException("tensor '" + name + "' missing");
        if (!Arrays.equals(t.shape(), shape))
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        float[] d = t.data();
        if (d.length != Arrays.stream(shape).reduce(1, (a, b) -> a * b))
            throw new IllegalArgumentException("tensor '" + name + "' has " + d.length + " values for shape " + Arrays.toString(shape));
        return d.clone();
    }

    /** The structure: operations, layers, input shape, classes and preprocessing. */
    public Graph graph() {
        return graph;
    }

    /** The live array of a parameter (no copy). */
    public float[] param(String name) {
        float[] p = params.get(name);
        if (p == null) throw new IllegalArgumentException("parameter '" + name + "' not in " + graph.id() + ": " + params.keySet());
        return p;
    }

    /** The live weight array of a layer (no copy). */
    public float[] weight(String layer) {
        return param(layer + ".weight");
    }

    /** The live bias array of a layer (no copy). */
    public float[] bias(String layer) {
        return param(layer + ".bias");
    }

    /** All parameters as tensors in canonical order (data copied). */
    public List<Tensor> toTensors() {
        List<Tensor> out = new ArrayList<>();
        for (Layer l : graph.layers()) {
            out.add(new Tensor(l.weightName(), l.weightShape(), param(l.weightName()).clone()));
            out.add(new Tensor(l.biasName(), new int[]{l.outputs()}, param(l.biasName()).clone()));
        }
        return out;
    }

    /** An independent deep copy. */
    public Model copy() {
        Map<String, float[]> p = new LinkedHashMap<>();
        params.forEach((k, v) -> p.put(k, v.clone()));
        return new Model(graph, p);
    }

    /**
     * A copy whose weights are multiplied element-wise by the given per-weight 0/1 masks (layer name to a mask of
     * the weight's size). Layers without a mask stay dense.
     */
    public Model masked(Map<String, float[]> masks) {
        Model m = copy();
        masks.forEach((layer, mask) -> {
            float[] w = m.weight(layer);
            if (mask.length != w.length)
                throw new IllegalArgumentException("mask of '" + layer + "' has " + mask.length + " values, weight has " + w.length);
            for (int i = 0; i < w.length; i++) w[i] *= mask[i];
        });
        return m;
    }
}
