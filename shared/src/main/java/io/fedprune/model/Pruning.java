package io.fedprune.model;

import io.fedprune.dpp.MaskSpec;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Applying k-of-n group masks (and optional quantisation) to a model's weights. */
public final class Pruning {

    private Pruning() {
    }

    /**
     * A copy of {@code model} whose weights are multiplied by the expanded group masks ({@code groupMasks} keyed by
     * layer name, one per spec), then, if {@code quantBits > 0}, quantised per layer (every weight tensor).
     */
    public static Model apply(Model model, List<MaskSpec> specs, Map<String, float[]> groupMasks, int quantBits) {
        Model m = model.copy();
        for (MaskSpec s : specs) {
            float[] gm = groupMasks.get(s.layer());
            if (gm == null) throw new IllegalArgumentException("no mask for layer '" + s.layer() + "'");
            float[] w = m.weight(s.layer()), mask = s.expand(gm);
            for (int i = 0; i < w.length; i++) w[i] *= mask[i];
        }
        if (quantBits > 0) for (Layer l : model.graph().layers()) Quantizer.quantizeInPlace(m.weight(l.name()), quantBits);
        return m;
    }

    /** Checks that every spec names a layer of {@code graph} with the layer's weight shape, each layer at most once. */
    public static void checkSpecs(Graph graph, List<MaskSpec> specs) {
        Set<String> seen = new HashSet<>();
        for (MaskSpec s : specs) {
            Layer l = graph.layer(s.layer());
            if (!java.util.Arrays.equals(l.weightShape(), s.weightShape()))
                throw new IllegalArgumentException("spec of '" + s.layer() + "' has shape " + java.util.Arrays.toString(s.weightShape())
                        + ", layer has " + java.util.Arrays.toString(l.weightShape()));
            if (!seen.add(s.layer())) throw new IllegalArgumentException("two specs for layer '" + s.layer() + "'");
        }
    }
}
