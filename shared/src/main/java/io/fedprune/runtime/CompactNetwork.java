package io.fedprune.runtime;

import io.fedprune.data.Dataset;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An inference-only network: a chain of {@link Op}s from an input shape to class scores (logits). This is what a
 * device runs after applying a tier: k-of-n layers as {@link KeptRuns}, FILTER-pruned layers as smaller
 * {@link DenseWeights}. Immutable and thread-safe (every call allocates its own activations).
 *
 * @param input the shape of one (already preprocessed) sample
 * @param ops   the steps in order; the last one gives the class scores
 */
public record CompactNetwork(Shape input, List<Op> ops) {
    public CompactNetwork {
        Objects.requireNonNull(input, "input");
        ops = List.copyOf(ops);
        if (ops.isEmpty()) throw new IllegalArgumentException("a network needs at least one op");
        Shape s = input;
        for (Op op : ops) s = op.output(s);   // checks that the chain fits
    }

    /** Shapes after every op ({@code shapes().get(0)} is the input). */
    public List<Shape> shapes() {
        List<Shape> out = new ArrayList<>();
        Shape s = input;
        out.add(s);
        for (Op op : ops) out.add(s = op.output(s));
        return out;
    }

    /** Number of class scores. */
    public int classes() {
        List<Shape> s = shapes();
        return s.get(s.size() - 1).size();
    }

    /**
     * Class scores of {@code batch} samples starting at sample {@code offset} of {@code x} (sample-major, each
     * {@code input.size()} floats): {@code [batch, classes]}.
     */
    public float[] forward(float[] x, int offset, int batch) {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, was " + batch);
        int n = input.size();
        if ((long) (offset + batch) * n > x.length)
            throw new IllegalArgumentException("samples " + offset + ".." + (offset + batch) + " exceed the " + x.length / n + " given");
        float[] a = new float[batch * n];
        System.arraycopy(x, offset * n, a, 0, a.length);
        Shape s = input;
        for (Op op : ops) {
            Shape o = op.output(s);
            float[] next = new float[batch * o.size()];
            op.forward(a, s, batch, next);
            a = next;
            s = o;
        }
        return a;
    }

    /** Accuracy (fraction of arg-max class scores equal to the label) over a data set, in batches of {@code batch}. */
    public double accuracy(Dataset data, int batch) {
        int correct = 0, c = classes();
        for (int off = 0; off < data.n(); off += batch) {
            int b = Math.min(batch, data.n() - off);
            float[] scores = forward(data.x(), off, b);
            for (int i = 0; i < b; i++) if (argMax(scores, i * c, c) == data.y()[off + i]) correct++;
        }
        return data.n() == 0 ? 0 : (double) correct / data.n();
    }

    /** Index of the largest of {@code a[from, from + n)} (the first one on ties). */
    public static int argMax(float[] a, int from, int n) {
        int best = 0;
        for (int j = 1; j < n; j++) if (a[from + j] > a[from + best]) best = j;
        return best;
    }

    /** Bytes of all parameters in their storage (kept values, indices, scales, biases). */
    public long parameterBytes() {
        return ops.stream().mapToLong(Op::parameterBytes).sum();
    }

    /** Parameters stored (kept weights and biases). */
    public long parameterCount() {
        return ops.stream().mapToLong(Op::parameterCount).sum();
    }
}
