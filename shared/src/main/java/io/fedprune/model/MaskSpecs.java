package io.fedprune.model;

import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.MaskSpec;

import java.util.ArrayList;
import java.util.List;

/** Mask specs for every layer of a graph from one keep ratio (the rule used by experiments and jobs). */
public final class MaskSpecs {

    /** Default least keep ratio of the output layer (pruned gently: DESIGN.md §2). */
    public static final double OUTPUT_MIN_KEEP = 0.25;

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

    /** Weight granularity everywhere, output layer at {@code max(keep, 25%)}. */
    public static List<MaskSpec> weightLevel(Graph graph, double keep) {
        return of(graph, Granularity.WEIGHT, Granularity.WEIGHT, keep, OUTPUT_MIN_KEEP);
    }
}
