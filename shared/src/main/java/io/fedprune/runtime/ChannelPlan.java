package io.fedprune.runtime;

import io.fedprune.dpp.Granularity;
import io.fedprune.model.Graph;
import io.fedprune.model.Layer;
import io.fedprune.model.Op;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which output channels (neurons, feature maps) of a tier's FILTER-pruned layers are physically removed, and so
 * which input columns the following layers drop: the one place deciding it, for the compact runtime and the ONNX
 * export alike.
 *
 * <p>A pruned output of a masked layer is not zero but its bias, a constant: the next layers see that constant
 * (through activation, pooling, channel affine). Removing the output moves the constant's contribution into the
 * bias of the next Conv or Gemm layer, so the smaller network computes exactly what the masked one does. That is
 * exact when every path from the layer passes only through per-channel operations that keep a constant map constant
 * (activations, max pooling, average pooling without counted padding, global average pooling, channel affine,
 * flatten) and residual Adds to ordinary (not depthwise) Conv layers or Gemm layers. A Conv that pads its input reads
 * zeros, not the constant, at the borders: its share of the constants becomes a small border kernel
 * ({@link Cut#border()}) instead of a bias. A residual Add passes a cut on only where both of its operands drop the
 * same channels (a removed channel then holds the sum of the two constants); where its operands differ, every layer
 * whose cut reaches it stays masked. Where a path reaches a
 * depthwise convolution, an average pool that counts padding or the graph's output, the layer stays masked too, and
 * {@link #kept()} says why.
 *
 * @param removed   per removed layer, its kept output indices (ascending)
 * @param kept      per FILTER layer that stays masked, the reason
 * @param selected  per value whose channels were cut, the kept channel indices (for a flattened value, features)
 * @param constants per such value, the constant every removed channel (feature) holds, indexed by the full channel
 */
public record ChannelPlan(Map<String, int[]> removed, Map<String, String> kept, Map<String, int[]> selected,
                          Map<String, float[]> constants) {

    public ChannelPlan {
        removed = Collections.unmodifiableMap(new LinkedHashMap<>(removed));
        kept = Collections.unmodifiableMap(new LinkedHashMap<>(kept));
        selected = Collections.unmodifiableMap(new HashMap<>(selected));
        constants = Collections.unmodifiableMap(new HashMap<>(constants));
    }

    /** The plan for the graph of {@code model} and a tier's masks. */
    public static ChannelPlan of(io.fedprune.model.Model model, Map<String, LayerMask> masks) {
        Graph graph = model.graph();
        Map<String, int[]> removed = new LinkedHashMap<>();
        Map<String, String> kept = new LinkedHashMap<>();
        Layer last = graph.layers().get(graph.layers().size() - 1);
        for (Op op : graph.ops()) {
            String layer = layer(op);
            LayerMask m = layer == null ? null : masks.get(layer);
            if (m == null || m.spec().granularity() != Granularity.FILTER) continue;
            String why = layer.equals(last.name()) ? "it is the output layer"
                    : op instanceof Op.Conv c && c.depthwise() ? "it is a depthwise convolution" : blocker(graph, op.output());
            if (why == null) {
                int[] rows = new int[m.spec().k()];
                for (int c = 0, j = 0; c < m.spec().n(); c++) if (m.kept(0, c)) rows[j++] = c;
                removed.put(layer, rows);
            } else kept.put(layer, why);
        }
        while (true) {   // each pass keeps masked the layers an Add refused, until every Add accepts what reaches it
            Cuts c = cuts(model, removed);
            if (c.refused().isEmpty()) return new ChannelPlan(removed, kept, c.selected(), c.constants());
            c.refused().forEach((layer, why) -> {
                removed.remove(layer);
                kept.put(layer, why);
            });
        }
    }

    /**
     * The channels cut from every value when the layers of {@code removed} lose their pruned outputs, with the constant
     * each removed channel holds; {@code refused}: the removed layers whose cut reaches a residual Add whose other
     * operand keeps other channels (an Add passes a cut on only where both operands drop the same channels, each of
     * them then the sum of the two constants), with the reason.
     */
    private record Cuts(Map<String, int[]> selected, Map<String, float[]> constants, Map<String, String> refused) {
    }

    private static Cuts cuts(io.fedprune.model.Model model, Map<String, int[]> removed) {
        Graph graph = model.graph();
        Map<String, int[]> selected = new HashMap<>();
        Map<String, float[]> constants = new HashMap<>();
        Map<String, java.util.Set<String>> sources = new HashMap<>();   // value -> removed layers whose cut it carries
        Map<String, String> refused = new LinkedHashMap<>();
        Map<String, int[]> shapes = graph.valueShapes();
        for (Op op : graph.ops()) {
            String layer = layer(op);
            String in = op.inputs().get(0);
            if (layer != null) {
                if (removed.containsKey(layer)) {
                    selected.put(op.output(), removed.get(layer));
                    constants.put(op.output(), model.bias(layer).clone());   // a pruned output is its bias
                    sources.put(op.output(), java.util.Set.of(layer));
                }
                continue;
            }
            if (op instanceof Op.Add a) {
                int[] sa = selected.get(a.a()), sb = selected.get(a.b());
                java.util.Set<String> both = new java.util.TreeSet<>(sources.getOrDefault(a.a(), java.util.Set.of()));
                both.addAll(sources.getOrDefault(a.b(), java.util.Set.of()));
                if (sa == null && sb == null) continue;
                if (java.util.Arrays.equals(sa, sb)) {
                    float[] ca = constants.get(a.a()), cb = constants.get(a.b()), sum = new float[ca.length];
                    for (int i = 0; i < sum.length; i++) sum[i] = ca[i] + cb[i];
                    selected.put(a.output(), sa);
                    constants.put(a.output(), sum);
                    sources.put(a.output(), both);
                } else {
                    for (String l : both)
                        refused.putIfAbsent(l, "a residual Add sums its outputs with a value that keeps other channels (" + a.a() + " + " + a.b() + ")");
                }
                continue;
            }
            if (!selected.containsKey(in)) continue;
            sources.put(op.output(), sources.get(in));
            if (op instanceof Op.Flatten f) {
                int[] s = shapes.get(in), ch = selected.get(in);
                int per = s.length == 3 ? s[1] * s[2] : 1;
                int[] features = new int[ch.length * per];
                for (int j = 0; j < ch.length; j++) for (int t = 0; t < per; t++) features[j * per + t] = ch[j] * per + t;
                float[] c = constants.get(in), fc = new float[c.length * per];
                for (int i = 0; i < fc.length; i++) fc[i] = c[i / per];
                selected.put(f.output(), features);
                constants.put(f.output(), fc);
            } else {
                selected.put(op.output(), selected.get(in));
                float[] c = constants.get(in).clone();
                if (op instanceof Op.Activation a) for (int i = 0; i < c.length; i++) c[i] = activate(a, c[i]);
                if (op instanceof Op.ChannelAffine a) for (int i = 0; i < c.length; i++) c[i] = c[i] * a.scale()[i] + a.shift()[i];
                constants.put(op.output(), c);
            }
        }
        return new Cuts(selected, constants, refused);
    }

    /** The kept channels of a value, or null for all. */
    public int[] channels(String value) {
        int[] s = selected.get(value);
        return s == null ? null : s.clone();
    }

    /** The kept rows of a removed layer, or null when all rows stay. */
    public int[] rows(String layer) {
        int[] r = removed.get(layer);
        return r == null ? null : r.clone();
    }

    private static float activate(Op.Activation a, float x) {
        return switch (a.fn()) {
            case RELU -> Math.max(x, 0f);
            case LEAKY_RELU -> x >= 0 ? x : a.alpha() * x;
            case SIGMOID -> (float) (1 / (1 + Math.exp(-x)));
            case TANH -> (float) Math.tanh(x);
            case CLIP -> Math.min(a.max(), Math.max(a.min(), x));
        };
    }

    /** The layer name of a Conv or Dense op, else null. */
    static String layer(Op op) {
        return op instanceof Op.Conv c ? c.layer() : op instanceof Op.Dense d ? d.layer() : null;
    }

    /**
     * Why the channels of {@code value} cannot be removed, or null if every consumer path allows it (residual Adds
     * pass here; whether an Add takes the cut depends on its other operand, which {@link #cuts} decides).
     */
    private static String blocker(Graph graph, String value) {
        List<String> frontier = new ArrayList<>(List.of(value));
        java.util.Set<String> seen = new java.util.HashSet<>(frontier);
        while (!frontier.isEmpty()) {
            String v = frontier.remove(frontier.size() - 1);
            if (v.equals(graph.output())) return "its outputs reach the graph's output";
            for (Op op : graph.ops()) {
                if (!op.inputs().contains(v)) continue;
                if (op instanceof Op.Conv c && c.depthwise()) return "depthwise convolution " + c.layer() + " reads its outputs";
                if (op instanceof Op.Pool p && !p.max() && p.countIncludePad() && java.util.Arrays.stream(p.pads()).anyMatch(x -> x > 0))
                    return "an average pool counts padding";
                if (op instanceof Op.Conv || op instanceof Op.Dense) continue;
                if (seen.add(op.output())) frontier.add(op.output());   // through activations, pooling, flatten, Adds
            }
        }
        return null;
    }

    /**
     * A Conv or Gemm layer's weight as a matrix {@code [rows, cols]} after the plan: input columns of removed input
     * channels dropped ({@code per} columns per channel: {@code kh*kw} for a convolution, 1 for a dense layer), and
     * rows cut to the kept ones if the layer itself is removed-FILTER. {@code mask} is the layer's weight mask cut the
     * same way (null if the layer is not pruned); weights are not multiplied by it. What the removed input channels'
     * constants contribute joins {@code bias}, except for a convolution that pads its input: there the windows at the
     * borders read zeros instead of the constant, so it is {@code border}, the kernel {@code [rows, kh*kw]} (the
     * constants times the masked weights that read them, summed over the removed channels) that the convolution's own
     * geometry slides over a map of ones the size of its input; null where nothing was removed or there is no padding.
     */
    public record Cut(int rows, int cols, float[] weights, float[] mask, float[] bias, float[] border) {
    }

    /** The cut of a layer (see {@link Cut}). */
    public Cut cut(io.fedprune.model.Model model, String layer, String input, int per, LayerMask mask) {
        float[] w = model.weight(layer).clone(), b = model.bias(layer).clone();
        float[] m = mask == null ? null : mask.weightMask();
        int rows = b.length, cols = w.length / rows;
        int[] ch = channels(input);
        float[] constant = constants.get(input);
        float[] border = null;
        if (ch != null) {
            // the removed channels' constants, times the (masked) weights that read them: per row and kernel position
            boolean[] keptChannel = new boolean[constant.length];
            for (int c : ch) keptChannel[c] = true;
            double[] folded = new double[rows * per];
            for (int r = 0; r < rows; r++)
                for (int i = 0; i < cols; i++)
                    if (!keptChannel[i / per] && (m == null || m[r * cols + i] != 0))
                        folded[r * per + i % per] += (double) w[r * cols + i] * constant[i / per];
            if (pads(model, layer)) {
                border = new float[rows * per];
                for (int i = 0; i < border.length; i++) border[i] = (float) folded[i];
            } else {   // every window reads the constant at every kernel position: a constant per row, into the bias
                for (int r = 0; r < rows; r++) {
                    double s = 0;
                    for (int t = 0; t < per; t++) s += folded[r * per + t];
                    b[r] += (float) s;
                }
            }
            int[] keep = new int[ch.length * per];
            for (int j = 0; j < ch.length; j++) for (int t = 0; t < per; t++) keep[j * per + t] = ch[j] * per + t;
            w = columns(w, rows, cols, keep);
            if (m != null) m = columns(m, rows, cols, keep);
            cols = keep.length;
        }
        int[] r = rows(layer);
        if (r != null) {
            w = rowsOf(w, cols, r);
            if (m != null) m = rowsOf(m, cols, r);
            b = rowsOf(b, 1, r);
            if (border != null) border = rowsOf(border, per, r);
            rows = r.length;
        }
        return new Cut(rows, cols, w, m, b, border);
    }

    /** Whether the layer is a convolution with padding. */
    private static boolean pads(io.fedprune.model.Model model, String layer) {
        for (Op op : model.graph().ops())
            if (op instanceof Op.Conv c && c.layer().equals(layer)) return java.util.Arrays.stream(c.pads()).anyMatch(p -> p > 0);
        return false;
    }

    private static float[] columns(float[] a, int rows, int cols, int[] keep) {
        float[] out = new float[rows * keep.length];
        for (int r = 0; r < rows; r++) for (int j = 0; j < keep.length; j++) out[r * keep.length + j] = a[r * cols + keep[j]];
        return out;
    }

    private static float[] rowsOf(float[] a, int cols, int[] keep) {
        float[] out = new float[keep.length * cols];
        for (int j = 0; j < keep.length; j++) System.arraycopy(a, keep[j] * cols, out, j * cols, cols);
        return out;
    }
}
