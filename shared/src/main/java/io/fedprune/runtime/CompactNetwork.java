package io.fedprune.runtime;

import io.fedprune.data.Dataset;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An inference-only network: a DAG of {@link Node}s from an input shape to class scores (logits), in topological
 * order. This is what a device runs after applying a tier: k-of-n layers as {@link KeptRuns}, FILTER-pruned layers as
 * smaller {@link DenseWeights}. Values are numbered: 0 is the input, {@code i + 1} the output of node {@code i}; a
 * node reads only earlier values, so one pass in order runs the graph (residual connections included). Immutable and
 * thread-safe (every call allocates its own activations).
 *
 * @param input  the shape of one (already preprocessed) sample
 * @param nodes  the steps in topological order
 * @param output the value holding the class scores
 */
public record CompactNetwork(Shape input, List<Node> nodes, int output) {

    /** One step of the graph. */
    public sealed interface Node permits Apply, Sum {
        /** The values read. */
        int[] inputs();
    }

    /** {@code op} applied to value {@code input}. */
    public record Apply(Op op, int input) implements Node {
        public Apply {
            Objects.requireNonNull(op, "op");
        }

        @Override
        public int[] inputs() {
            return new int[]{input};
        }
    }

    /** The element-wise sum of two values of the same shape (a residual connection, ONNX {@code Add}). */
    public record Sum(int a, int b) implements Node {
        @Override
        public int[] inputs() {
            return new int[]{a, b};
        }
    }

    public CompactNetwork {
        Objects.requireNonNull(input, "input");
        nodes = List.copyOf(nodes);
        if (nodes.isEmpty()) throw new IllegalArgumentException("a network needs at least one node");
        for (int i = 0; i < nodes.size(); i++)
            for (int v : nodes.get(i).inputs())
                if (v < 0 || v > i) throw new IllegalArgumentException("node " + i + " reads value " + v + ", which is not written before it");
        if (output < 1 || output > nodes.size()) throw new IllegalArgumentException("output value " + output + " is not written by a node");
        shapes(input, nodes);   // checks that every node fits its inputs
    }

    /** A chain: every op reads the previous one's output. */
    public static CompactNetwork chain(Shape input, List<Op> ops) {
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) nodes.add(new Apply(ops.get(i), i));
        return new CompactNetwork(input, nodes, nodes.size());
    }

    /** The ops of the nodes that apply one, in order. */
    public List<Op> ops() {
        return nodes.stream().filter(n -> n instanceof Apply).map(n -> ((Apply) n).op()).toList();
    }

    /** The shape of every value ({@code shapes().get(0)} is the input). */
    public List<Shape> shapes() {
        return List.of(shapes(input, nodes));
    }

    private static Shape[] shapes(Shape input, List<Node> nodes) {
        Shape[] s = new Shape[nodes.size() + 1];
        s[0] = input;
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i) instanceof Apply a) s[i + 1] = a.op().output(s[a.input()]);
            else if (nodes.get(i) instanceof Sum sum) {
                if (s[sum.a()].size() != s[sum.b()].size())
                    throw new IllegalArgumentException("node " + i + " adds values of shapes " + s[sum.a()] + " and " + s[sum.b()]);
                s[i + 1] = s[sum.a()];
            }
        }
        return s;
    }

    /** Number of class scores. */
    public int classes() {
        return shapes(input, nodes)[output].size();
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
        Shape[] shapes = shapes(input, nodes);
        int[] lastUse = new int[nodes.size() + 1];
        lastUse[output] = Integer.MAX_VALUE;
        for (int i = 0; i < nodes.size(); i++) for (int v : nodes.get(i).inputs()) lastUse[v] = Math.max(lastUse[v], i);
        float[][] values = new float[nodes.size() + 1][];
        values[0] = new float[batch * n];
        System.arraycopy(x, offset * n, values[0], 0, values[0].length);
        for (int i = 0; i < nodes.size(); i++) {
            float[] out = new float[batch * shapes[i + 1].size()];
            if (nodes.get(i) instanceof Apply a) a.op().forward(values[a.input()], shapes[a.input()], batch, out);
            else if (nodes.get(i) instanceof Sum s) {
                float[] p = values[s.a()], q = values[s.b()];
                for (int j = 0; j < out.length; j++) out[j] = p[j] + q[j];
            }
            values[i + 1] = out;
            for (int v : nodes.get(i).inputs()) if (lastUse[v] == i) values[v] = null;   // no longer needed
        }
        return values[output];
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
        return ops().stream().mapToLong(Op::parameterBytes).sum();
    }

    /** Parameters stored (kept weights and biases). */
    public long parameterCount() {
        return ops().stream().mapToLong(Op::parameterCount).sum();
    }
}
