package io.fedprune.model;

import io.fedprune.data.Dataset;

import java.util.HashMap;
import java.util.Map;

/**
 * Forward and backward passes of a {@link ModelArch} on ND4J: the matrix products run as BLAS gemms into
 * preallocated arrays, element-wise and per-row work is small or done in Java, and parameters and gradients move
 * between Java {@code float[]} and native buffers by memcpy.
 *
 * <p>Usage: {@link #setParam} (or {@link #load}) the parameters, possibly effective (masked) weights, then
 * {@link #run} a batch; after a backward pass {@link #gradient} gives the gradient of the mean batch loss with
 * respect to each parameter as it was set. Buffers are allocated once per batch size. Not thread-safe: one network
 * per training thread. Convolution weights are kept in an internal layout; {@code setParam}/{@code gradient} always
 * use the standard {@code [cout, cin, kh, kw]} layout.
 */
public abstract class Network {

    /** Largest batch used by {@link #evaluate}. */
    public static final int EVAL_BATCH = 500;

    private final Graph graph;
    private final Map<Integer, Object> workspaces = new HashMap<>();
    /** Scratch for the output layer: logits in, gradient of the mean loss out. */
    private float[] logits = new float[0];

    Network(Graph graph) {
        this.graph = graph;
    }

    /** A network for {@code graph}, parameters zero until set. */
    public static Network create(Graph graph) {
        ModelArch builtIn = ModelArch.of(graph);
        if (builtIn == null) throw new UnsupportedOperationException("running imported graphs is not implemented yet: " + graph.id());
        return switch (builtIn) {
            case LENET300 -> new MlpNetwork();
            case LENET5 -> new LeNet5Network();
        };
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

    /** Sets one parameter (standard layout); the values are copied. */
    public abstract void setParam(String name, float[] values);

    /** Copies the gradient of the last backward pass w.r.t. parameter {@code name} into {@code out}. */
    public abstract void gradient(String name, float[] out);

    /**
     * Forward pass over samples {@code [offset, offset + batch)} of {@code x} (row-major images, 784 floats each)
     * and {@code y}; with {@code backward} also the backward pass, leaving the gradients for {@link #gradient}.
     */
    public abstract BatchResult run(float[] x, int[] y, int offset, int batch, boolean backward);

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

    @SuppressWarnings("unchecked")
    <W> W workspace(int batch, java.util.function.IntFunction<W> factory) {
        return (W) workspaces.computeIfAbsent(batch, factory::apply);
    }

    /**
     * Softmax cross-entropy on the output buffer: reads the logits {@code [batch, 10]}, writes the gradient of the
     * mean loss w.r.t. the logits back into {@code dOut} if not null.
     */
    BatchResult softmaxCrossEntropy(NdBuf out, NdBuf dOut, int[] y, int offset, int batch) {
        int c = ModelArch.CLASSES, len = batch * c;
        if (logits.length < len) logits = new float[len];
        out.get(logits, 0, len);
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
        if (dOut != null) dOut.put(logits, 0, len);
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
