package io.fedprune.model;

import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.MaskSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Mask specs for every layer of a graph from one keep ratio (the rule used by experiments and jobs). */
public final class MaskSpecs {

    /** Default least keep ratio of the output layer (pruned gently: DESIGN.md §2). */
    public static final double OUTPUT_MIN_KEEP = 0.25;

    /** How reports name the plan of {@link #defaultGranularity}. */
    public static final String DEFAULT_PLAN = "default (KERNEL for Conv, WEIGHT for Gemm/MatMul)";

    private MaskSpecs() {
    }

    /**
     * One spec per layer: convolutions get {@code convGranularity}, hidden dense layers {@code denseGranularity}
     * (KERNEL does not fit a dense layer), each keeping {@code k = ceil(keep * n)}; the output layer is WEIGHT
     * granularity at {@code max(keep, outputMinKeep)}. A convolution with one input channel ({@code conv1} of LeNet-5)
     * has n = 1 at KERNEL granularity and so keeps its single kernel per filter.
     */
    public static List<MaskSpec> of(Graph graph, Granularity convGranularity, Granularity denseGranularity,
                                    double keep, double outputMinKeep) {
        if (denseGranularity == Granularity.KERNEL) throw new IllegalArgumentException("denseGranularity: KERNEL needs a convolution");
        List<MaskSpec> out = new ArrayList<>();
        for (Layer l : graph.layers()) {
            if (l.output()) out.add(MaskSpec.ofKeep(l.name(), Granularity.WEIGHT, l.weightShape(), Math.max(keep, outputMinKeep)));
            else out.add(MaskSpec.ofKeep(l.name(), l.isConv() ? convGranularity : denseGranularity, l.weightShape(), keep));
        }
        return out;
    }

    /**
     * The default granularity of a layer, the one rule every entry point uses when none is given (the REST API, the
     * demo, {@code local}, and so the agents, which prune what the job assigns): KERNEL for a hidden convolution,
     * WEIGHT for a hidden Gemm/MatMul and for the output layer (pruned gently, at least {@link #OUTPUT_MIN_KEEP}). A
     * convolution with one input channel per group (LeNet-5's {@code conv1}, a depthwise Conv) has n = 1 at KERNEL
     * granularity and so keeps its kernels.
     */
    public static Granularity defaultGranularity(Layer layer) {
        return layer.isConv() && !layer.output() ? Granularity.KERNEL : Granularity.WEIGHT;
    }

    /**
     * A layer's granularity when the hidden layers are asked for {@code hidden}: {@link #defaultGranularity} if
     * {@code hidden} is null; else {@code hidden}, except WEIGHT for the output layer and for a dense layer asked for
     * KERNEL (which needs a convolution).
     */
    public static Granularity granularity(Layer layer, Granularity hidden) {
        if (hidden == null) return defaultGranularity(layer);
        if (layer.output() || (hidden == Granularity.KERNEL && !layer.isConv())) return Granularity.WEIGHT;
        return hidden;
    }

    /**
     * One spec per layer at {@link #granularity}{@code (layer, hidden)} (null {@code hidden}: the default plan), each
     * keeping {@code ceil(keep * n)} per group, the output layer {@code max(keep, 25%)}.
     */
    public static List<MaskSpec> of(Graph graph, Granularity hidden, double keep) {
        List<MaskSpec> out = new ArrayList<>();
        for (Layer l : graph.layers())
            out.add(MaskSpec.ofKeep(l.name(), granularity(l, hidden), l.weightShape(), l.output() ? Math.max(keep, OUTPUT_MIN_KEEP) : keep));
        return out;
    }

    /**
     * How one layer is pruned when it differs from the defaults of {@link #of(Graph, double, Map)}.
     *
     * @param prune       false leaves the layer dense (no spec)
     * @param granularity the layer's granularity, or null for the default
     * @param keep        the layer's keep ratio in (0, 1], or NaN for the default
     */
    public record LayerRule(boolean prune, Granularity granularity, double keep) {
        public LayerRule {
            if (!Double.isNaN(keep) && !(keep > 0 && keep <= 1)) throw new IllegalArgumentException("keep must be in (0, 1]: " + keep);
        }

        /** Leave the layer dense. */
        public static final LayerRule DENSE = new LayerRule(false, null, Double.NaN);

        /** Prune the layer at this granularity and keep ratio. */
        public static LayerRule of(Granularity granularity, double keep) {
            return new LayerRule(true, granularity, keep);
        }
    }

    /**
     * The default plan of any graph with per-layer exceptions: every layer at its {@link #defaultGranularity} (every
     * Conv at KERNEL: one with one input channel per group then has n = 1 and keeps its kernels, give it WEIGHT to
     * prune inside them; every hidden Gemm/MatMul at WEIGHT), each keeping {@code ceil(keep * n)} per group, and the
     * output layer at WEIGHT keeping {@code max(keep, 25%)}; {@code rules}
     * (by layer name) leave layers dense or change their granularity or keep. A rule for a layer the graph does not
     * have is an error naming the layers.
     */
    public static List<MaskSpec> of(Graph graph, double keep, Map<String, LayerRule> rules) {
        for (String name : rules.keySet()) graph.layer(name);
        List<MaskSpec> out = new ArrayList<>();
        for (Layer l : graph.layers()) {
            LayerRule rule = rules.get(l.name());
            if (rule != null && !rule.prune()) continue;
            Granularity g = defaultGranularity(l);
            double k = l.output() ? Math.max(keep, OUTPUT_MIN_KEEP) : keep;
            if (rule != null && rule.granularity() != null) g = rule.granularity();
            if (rule != null && !Double.isNaN(rule.keep())) k = rule.keep();
            out.add(MaskSpec.ofKeep(l.name(), g, l.weightShape(), k));
        }
        if (out.isEmpty()) throw new IllegalArgumentException("every layer left dense: nothing to prune");
        return out;
    }

    /** Weight granularity everywhere, output layer at {@code max(keep, 25%)}. */
    public static List<MaskSpec> weightLevel(Graph graph, double keep) {
        return of(graph, Granularity.WEIGHT, Granularity.WEIGHT, keep, OUTPUT_MIN_KEEP);
    }
}
