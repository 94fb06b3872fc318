package io.fedprune.runtime;

import io.fedprune.dpp.Granularity;
import io.fedprune.model.Graph;
import io.fedprune.model.Model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the {@link CompactNetwork} a device runs from a model (any graph: chains and residual Adds, node for node in
 * the graph's topological order; Flatten is free, activations being flat already) and a tier's masks.
 *
 * <p>{@link Form#COMPACT}: FILTER-pruned layers keep only their kept rows (output neurons or feature maps) as smaller
 * dense layers and the next layers drop the matching input columns, as {@link ChannelPlan} decides (a FILTER layer
 * stays masked where a residual Add, a depthwise convolution or the output forbids removing it); WEIGHT, KERNEL and N:M
 * layers become {@link KeptRuns} (kept weights by row), or {@link KeptColumns} (by column, skipping inputs at their base
 * value at one sample) for dense layers whose kept weights average at least {@link KeptColumns#PAYS_FROM} rows per column
 * (a convolution multiplies all positions at once, where the column order gains nothing), or
 * masked dense matrices where those are not larger (a float32 WEIGHT layer above about 2/3 keep: a kept weight costs its
 * value and a 2-byte index). {@link Form#COMPACT_INT8} is the same with int8 values and per-row scales in the
 * k-of-n layers. {@link Form#MASKED_DENSE} multiplies every weight by its mask and keeps full matrices (the computation
 * a tier stands for, and the baseline); {@link Form#DENSE} ignores the masks.
 */
public final class TierCompiler {

    /** How pruned layers are stored. */
    public enum Form { DENSE, MASKED_DENSE, COMPACT, COMPACT_INT8 }

    private TierCompiler() {
    }

    /** The input shape of a graph's samples. */
    public static Shape inputShape(Graph g) {
        int[] s = g.inputShape();
        return s.length == 3 ? new Shape(s[0], s[1], s[2]) : Shape.vector(s[0]);
    }

    /** The network of {@code model} with {@code masks} (pruned layers by name; layers without a mask stay dense). */
    public static CompactNetwork compile(Model model, Map<String, LayerMask> masks, Form form) {
        Graph g = model.graph();
        for (String l : masks.keySet()) g.layer(l);   // names a layer of the model
        boolean compact = form == Form.COMPACT || form == Form.COMPACT_INT8;
        ChannelPlan plan = ChannelPlan.of(model, compact ? masks : Map.of());
        List<CompactNetwork.Node> nodes = new ArrayList<>();
        Map<String, Integer> values = new HashMap<>();   // graph value -> network value
        Map<String, int[]> shapes = g.valueShapes();
        values.put(g.input(), 0);
        for (io.fedprune.model.Op op : g.ops()) {
            int in = values.get(op.inputs().get(0));
            if (op instanceof io.fedprune.model.Op.Flatten f) {
                values.put(f.output(), in);   // the same floats: activations are flat already
                continue;
            }
            if (op instanceof io.fedprune.model.Op.Add a) nodes.add(new CompactNetwork.Sum(in, values.get(a.b())));
            else
                for (Op o : ops(op, model, masks, plan, form, shapes)) {   // one op, or a convolution and its removed channels' share
                    nodes.add(new CompactNetwork.Apply(o, in));
                    in = nodes.size();
                }
            values.put(op.output(), nodes.size());
        }
        return new CompactNetwork(inputShape(g), nodes, values.get(g.output()));
    }

    /** The runtime ops, applied one after the other, of a graph op that reads one value. */
    private static List<Op> ops(io.fedprune.model.Op op, Model model, Map<String, LayerMask> masks, ChannelPlan plan, Form form,
                                Map<String, int[]> shapes) {
        if (op instanceof io.fedprune.model.Op.Conv c) {
            LayerMask mask = form == Form.DENSE ? null : masks.get(c.layer());
            ChannelPlan.Cut cut = plan.cut(model, c.layer(), c.input(), c.kh() * c.kw(), mask);
            if (c.depthwise())
                return List.of(new Op.DepthwiseConv2d(c.layer(), c.cin(), masked(cut), cut.bias(), c.kh(), c.kw(), c.strideH(), c.strideW(), c.pads()));
            Op conv = new Op.Conv2d(c.layer(), weights(cut, mask, plan, c.layer(), form, c.kh() * c.kw(), false), cut.bias(), c.kh(), c.kw(),
                    c.strideH(), c.strideW(), c.pads());
            if (cut.border() == null) return List.of(conv);
            int[] in = shapes.get(c.input());
            return List.of(conv, new Op.RemovedChannels(c.layer() + ".border", cut.border(), c.kh(), c.kw(), c.strideH(), c.strideW(),
                    c.pads(), in[1], in[2]));
        }
        return List.of(op(op, model, masks, plan, form));
    }

    /** The runtime op of a graph op other than a convolution. */
    private static Op op(io.fedprune.model.Op op, Model model, Map<String, LayerMask> masks, ChannelPlan plan, Form form) {
        if (op instanceof io.fedprune.model.Op.Dense d) {
            LayerMask mask = form == Form.DENSE ? null : masks.get(d.layer());
            ChannelPlan.Cut cut = plan.cut(model, d.layer(), d.input(), 1, mask);
            return new Op.Linear(d.layer(), weights(cut, mask, plan, d.layer(), form, 1, true), cut.bias());
        }
        if (op instanceof io.fedprune.model.Op.Activation a) return new Op.Activation(Op.Fn.valueOf(a.fn().name()), a.alpha(), a.min(), a.max());
        if (op instanceof io.fedprune.model.Op.Pool p)
            return new Op.Pool2d(p.max(), p.kh(), p.kw(), p.strideH(), p.strideW(), p.pads(), p.countIncludePad());
        if (op instanceof io.fedprune.model.Op.GlobalAvgPool) return new Op.GlobalAvgPool();
        if (op instanceof io.fedprune.model.Op.ChannelAffine a) {
            int[] ch = plan.channels(a.input());
            return new Op.ChannelAffine(select(a.scale(), ch), select(a.shift(), ch));
        }
        throw new IllegalArgumentException("the compact runtime has no step for " + op.getClass().getSimpleName());
    }

    /** {@code bySample}: the layer multiplies one sample at a time (a dense layer), where {@link KeptColumns} can pay. */
    private static Weights weights(ChannelPlan.Cut cut, LayerMask mask, ChannelPlan plan, String layer, Form form, int kernel, boolean bySample) {
        if (cut.mask() == null || plan.removed().containsKey(layer)) return DenseWeights.of(cut.rows(), cut.cols(), cut.weights());
        Granularity g = mask.spec().granularity();
        if (form == Form.MASKED_DENSE || g == Granularity.FILTER) return DenseWeights.of(cut.rows(), cut.cols(), masked(cut));
        int run = g == Granularity.KERNEL ? kernel : 1;
        long kept = 0;
        for (float m : cut.mask()) if (m != 0) kept++;
        Weights runs = bySample && run == 1 && kept >= KeptColumns.PAYS_FROM * cut.cols()
                ? KeptColumns.fromMasked(cut.rows(), cut.cols(), cut.weights(), cut.mask(), form == Form.COMPACT_INT8)
                : KeptRuns.fromMasked(cut.rows(), cut.cols(), run, cut.weights(), cut.mask(), form == Form.COMPACT_INT8);
        boolean denseIsSmaller = form == Form.COMPACT && runs.bytes() >= 4L * cut.rows() * cut.cols();
        return denseIsSmaller ? DenseWeights.of(cut.rows(), cut.cols(), masked(cut)) : runs;
    }

    private static float[] masked(ChannelPlan.Cut cut) {
        float[] w = cut.weights().clone();
        if (cut.mask() != null) for (int i = 0; i < w.length; i++) if (cut.mask()[i] == 0) w[i] = 0;
        return w;
    }

    private static float[] select(float[] a, int[] idx) {
        if (idx == null) return a;
        float[] out = new float[idx.length];
        for (int j = 0; j < idx.length; j++) out[j] = a[idx[j]];
        return out;
    }
}
