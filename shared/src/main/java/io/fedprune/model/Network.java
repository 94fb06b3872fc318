package io.fedprune.model;

import io.fedprune.data.Dataset;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Forward and backward passes of a {@link Graph} on ND4J: the matrix products of Conv (im2col) and Dense layers run as
 * BLAS gemms into preallocated arrays (over the nonzeros only where a layer's weight is mostly zeros, a masked layer:
 * {@link SparseRows}), element-wise and per-row work is done in Java loops over {@code float[]}
 * ({@link Kernels}), and parameters and gradients move between Java arrays and native buffers by memcpy.
 *
 * <p>Usage: {@link #setParam} (or {@link #load}) the parameters, possibly effective (masked) weights, then
 * {@link #run} a batch; after a backward pass {@link #gradient} gives the gradient of the mean batch loss (softmax
 * cross-entropy on the graph's output) with respect to each parameter as it was set. Buffers are allocated once per
 * batch size. Not thread-safe: one network per training thread. Images enter as {@code [C, H, W]} per sample
 * (row-major, channel-major as ONNX) and are kept channel-last inside; convolution weights are kept in an internal
 * layout; {@code setParam}/{@code gradient} always use the standard {@code [cout, cin, kh, kw]} layout.
 */
public final class Network {

    /** Largest batch used by {@link #evaluate}. */
    public static final int EVAL_BATCH = 500;

    private final Graph graph;
    private final Kernels.Kernel[] kernels;
    private final Map<String, Kernels.LayerKernel> layers = new HashMap<>();
    /** Per value: elements per sample; whether a gradient flows to it. */
    private final int[] sizes;
    private final boolean[] needsGrad;
    /** Per value: the number of kernels reading it. */
    private final int[] readers;
    private final int inputIndex, outputIndex, channels, classes;
    private final Map<Integer, Work> work = new HashMap<>();
    /** Scratch for the output layer: logits in, gradient of the mean loss out. */
    private float[] logits = new float[0];

    private final class Work {
        final float[][] values, grads;
        /** Gradients of inputs that another reader already wrote, before they are added. */
        final float[][] scratch;

        Work(int batch) {
            values = new float[sizes.length][];
            grads = new float[sizes.length][];
            int max = 0;
            for (int i = 0; i < sizes.length; i++) {
                values[i] = new float[batch * sizes[i]];
                max = Math.max(max, batch * sizes[i]);
            }
            scratch = new float[2][max];
        }

        float[] grad(int value) {
            if (grads[value] == null) grads[value] = new float[values[value].length];
            return grads[value];
        }
    }

    private Network(Graph graph) {
        this.graph = graph;
        Map<String, int[]> shapes = graph.valueShapes();
        Map<String, Integer> index = new HashMap<>();
        List<int[]> shapeList = new ArrayList<>();
        index.put(graph.input(), 0);
        shapeList.add(shapes.get(graph.input()));
        for (Op op : graph.ops()) {
            index.put(op.output(), shapeList.size());
            shapeList.add(shapes.get(op.output()));
        }
        sizes = new int[shapeList.size()];
        for (int i = 0; i < sizes.length; i++) sizes[i] = Arrays.stream(shapeList.get(i)).reduce(1, (a, b) -> a * b);
        kernels = new Kernels.Kernel[graph.ops().size()];
        needsGrad = new boolean[sizes.length];
        readers = new int[sizes.length];
        for (int k = 0; k < kernels.length; k++) {
            Op op = graph.ops().get(k);
            int out = index.get(op.output());
            int[] in = op.inputs().stream().mapToInt(index::get).toArray();
            int[] s0 = shapes.get(op.inputs().get(0));
            Kernels.Kernel kernel;
            if (op instanceof Op.Dense d) kernel = new Kernels.DenseK(d, in[0], out);
            else if (op instanceof Op.Conv c) kernel = c.depthwise() ? new Kernels.DepthwiseK(c, s0, in[0], out) : new Kernels.ConvK(c, s0, in[0], out);
            else if (op instanceof Op.Activation a) kernel = new Kernels.ActK(a, sizes[in[0]], in[0], out);
            else if (op instanceof Op.Pool p) kernel = new Kernels.PoolK(p, s0, in[0], out);
            else if (op instanceof Op.GlobalAvgPool) kernel = new Kernels.GlobalAvgK(s0, in[0], out);
            else if (op instanceof Op.ChannelAffine a) kernel = new Kernels.AffineK(a, sizes[in[0]], in[0], out);
            else if (op instanceof Op.Add) kernel = new Kernels.AddK(sizes[in[0]], in[0], in[1], out);
            else if (op instanceof Op.Flatten) kernel = new Kernels.FlattenK(s0, in[0], out);
            else throw new IllegalStateException("no kernel for " + op);
            kernels[k] = kernel;
            if (kernel instanceof Kernels.LayerKernel l) layers.put(l.layer, l);
            boolean grad = kernel.hasParams();
            for (int i : in) {
                grad |= needsGrad[i];
                readers[i]++;
            }
            needsGrad[out] = grad;
        }
        inputIndex = 0;
        outputIndex = index.get(graph.output());
        channels = graph.inputShape().length == 3 ? graph.inputShape()[0] : 1;
        classes = graph.classes();
    }

    /** A network for {@code graph}, parameters zero until set. */
    public static Network create(Graph graph) {
        return new Network(graph);
    }

    /** A network holding the parameters of {@code model}. */
    public static Network of(Model model) {
        Network n = create(model.graph());
        n.load(model);
        return n;
    }

    /** The graph this network runs. */
    public Graph graph() {
        return graph;
    }

    /** Sets every parameter from {@code model}. */
    public void load(Model model) {
        if (!model.graph().equals(graph)) throw new IllegalArgumentException("model is " + model.graph().id() + ", network is " + graph.id());
        for (String name : graph.parameterNames()) setParam(name, model.param(name));
    }

    private Kernels.LayerKernel layerOf(String name) {
        int dot = name.lastIndexOf('.');
        Kernels.LayerKernel l = dot < 0 ? null : layers.get(name.substring(0, dot));
        if (l == null || !(name.endsWith(".weight") || name.endsWith(".bias")))
            throw new IllegalArgumentException("parameter '" + name + "' not in " + graph.id() + ": " + graph.parameterNames());
        return l;
    }

    /** Sets one parameter (standard layout); the values are copied. */
    public void setParam(String name, float[] values) {
        Kernels.LayerKernel l = layerOf(name);
        if (name.endsWith(".weight")) l.setWeight(values);
        else l.setBias(values);
    }

    /** Copies the gradient of the last backward pass w.r.t. parameter {@code name} into {@code out}. */
    public void gradient(String name, float[] out) {
        Kernels.LayerKernel l = layerOf(name);
        if (name.endsWith(".weight")) l.weightGradient(out);
        else l.biasGradient(out);
    }

    /**
     * Forward pass over samples {@code [offset, offset + batch)} of {@code x} ({@link Graph#inputSize()} floats per
     * sample, {@code [C, H, W]} row-major) and {@code y}; with {@code backward} also the backward pass, leaving the
     * gradients for {@link #gradient}.
     */
    public BatchResult run(float[] x, int[] y, int offset, int batch, boolean backward) {
        Work w = forward(x, offset, batch);
        if (!backward) return softmaxCrossEntropy(w.values[outputIndex], null, y, offset, batch);
        BatchResult r = softmaxCrossEntropy(w.values[outputIndex], w.grad(outputIndex), y, offset, batch);
        boolean[] written = new boolean[sizes.length];
        written[outputIndex] = true;
        for (int k = kernels.length - 1; k >= 0; k--) {
            Kernels.Kernel kernel = kernels[k];
            if (!written[kernel.out]) continue;                  // no gradient reaches this op
            float[][] dIn = new float[kernel.in.length][];
            boolean[] add = new boolean[kernel.in.length];
            boolean any = false;
            for (int i = 0; i < dIn.length; i++) {
                int v = kernel.in[i];
                if (!needsGrad[v]) continue;
                boolean taken = written[v];
                for (int j = 0; j < i; j++) taken |= kernel.in[j] == v;   // the same value read twice
                add[i] = taken;
                dIn[i] = taken ? w.scratch[i] : w.grad(v);
                any = true;
            }
            if (!any && !kernel.hasParams()) continue;
            kernel.backward(w.values, w.grads[kernel.out], dIn, batch);
            for (int i = 0; i < dIn.length; i++) {
                int v = kernel.in[i];
                if (dIn[i] == null) continue;
                if (add[i]) {
                    float[] g = w.grads[v], d = dIn[i];
                    for (int j = 0, n = batch * sizes[v]; j < n; j++) g[j] += d[j];
                }
                written[v] = true;
            }
        }
        return r;
    }

    /** The logits {@code [batch, classes]} of samples {@code [offset, offset + batch)} of {@code x}. */
    public float[] logits(float[] x, int offset, int batch) {
        float[] out = new float[batch * classes];
        System.arraycopy(forward(x, offset, batch).values[outputIndex], 0, out, 0, out.length);
        return out;
    }

    private Work forward(float[] x, int offset, int batch) {
        Work w = work.computeIfAbsent(batch, Work::new);
        int size = sizes[inputIndex];
        if (x.length < (long) (offset + batch) * size)
            throw new IllegalArgumentException("input has " + x.length + " values, need " + (long) (offset + batch) * size
                    + " for samples " + offset + ".." + (offset + batch) + " of " + size + " values");
        float[] in = w.values[inputIndex];
        if (channels == 1) {
            System.arraycopy(x, offset * size, in, 0, batch * size);
        } else {                                                   // [C, H, W] -> [H, W, C]
            int hw = size / channels;
            for (int b = 0; b < batch; b++)
                for (int c = 0; c < channels; c++)
                    for (int p = 0; p < hw; p++) in[(b * hw + p) * channels + c] = x[(offset + b) * size + c * hw + p];
        }
        for (Kernels.Kernel k : kernels) k.forward(w.values, batch);
        return w;
    }

    /** Loss and accuracy over a whole data set with the parameters currently set. */
    public Evaluation evaluate(Dataset data) {
        double loss = 0;
        int correct = 0;
        for (int off = 0; off < data.n(); off += EVAL_BATCH) {
            int b = Math.min(EVAL_BATCH, data.n() - off);
            BatchResult r = run(data.x(), data.y(), off, b, false);
            loss += r.loss() * b;
            correct += r.correct();
        }
        return new Evaluation(data.n() == 0 ? 0 : loss / data.n(), correct, data.n());
    }

    /**
     * Softmax cross-entropy on the logits {@code [batch, classes]}; writes the gradient of the mean loss w.r.t. the
     * logits into {@code dOut} if not null.
     */
    private BatchResult softmaxCrossEntropy(float[] out, float[] dOut, int[] y, int offset, int batch) {
        int c = classes, len = batch * c;
        if (logits.length < len) logits = new float[len];
        System.arraycopy(out, 0, logits, 0, len);
        double loss = 0;
        int correct = 0;
        float invB = 1f / batch;
        for (int i = 0; i < batch; i++) {
            int o = i * c, label = y[offset + i];
            float max = logits[o];
            int arg = 0;
            for (int j = 1; j < c; j++) if (logits[o + j] > max) { max = logits[o + j]; arg = j; }
            if (arg == label) correct++;
            double sum = 0;
            for (int j = 0; j < c; j++) sum += Math.exp(logits[o + j] - max);
            double logSum = Math.log(sum);
            loss += logSum - (logits[o + label] - max);
            if (dOut != null) {
                for (int j = 0; j < c; j++) {
                    double p = Math.exp(logits[o + j] - max - logSum);
                    logits[o + j] = (float) ((p - (j == label ? 1 : 0)) * invB);
                }
            }
        }
        if (dOut != null) System.arraycopy(logits, 0, dOut, 0, len);
        return new BatchResult(loss / batch, correct, batch);
    }

    /**
     * Loss and accuracy over a data set.
     *
     * @param loss    mean cross-entropy
     * @param correct correctly classified samples
     * @param n       samples
     */
    public record Evaluation(double loss, int correct, int n) {
        /** Fraction correct in [0, 1]. */
        public double accuracy() {
            return n == 0 ? 0 : (double) correct / n;
        }
    }
}
