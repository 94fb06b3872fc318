package io.fedprune.coordinator.round;

import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.fuse.LayerShape;
import io.fedprune.model.Layer;
import io.fedprune.model.Model;
import io.fedprune.model.Tensor;
import io.fedprune.wire.LayerSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * A job's prunable layers in the job's order, and the conversions between per-layer arrays and what travels: k per
 * layer to {@link LayerSpec}s, logits per layer to named tensors.
 *
 * @param base each layer's spec with k = 1 (only layer, granularity, groups and n are used)
 */
public record JobLayers(List<MaskSpec> base) {

    public JobLayers {
        base = List.copyOf(base);
    }

    /** The layers the job prunes, at the granularity it asks for. */
    public static JobLayers of(JobSpec spec, Model model) {
        List<MaskSpec> out = new ArrayList<>();
        for (JobSpec.LayerPlan p : spec.layers()) {
            Layer l = model.graph().layer(p.layer());
            out.add(MaskSpec.ofK(p.layer(), p.granularity(), l.weightShape(), 1));
        }
        return new JobLayers(out);
    }

    /** The logit shapes, in order. */
    public List<LayerShape> shapes() {
        return base.stream().map(s -> new LayerShape(s.layer(), s.groups(), s.n())).toList();
    }

    /** The specs at k per layer. */
    public List<MaskSpec> withK(int[] k) {
        List<MaskSpec> out = new ArrayList<>();
        for (int l = 0; l < k.length; l++) out.add(base.get(l).withK(k[l]));
        return out;
    }

    /** The wire specs at k per layer. */
    public List<LayerSpec> layerSpecs(int[] k) {
        return withK(k).stream().map(JobLayers::layerSpec).toList();
    }

    /** One layer's wire spec. */
    public static LayerSpec layerSpec(MaskSpec s) {
        return new LayerSpec(s.layer(), io.fedprune.wire.Granularity.valueOf(s.granularity().name()), s.n(), s.k());
    }

    /** Logits per layer as tensors named after the layers, shaped {@code [groups, n]}. */
    public List<Tensor> tensors(List<float[]> perLayer) {
        List<Tensor> out = new ArrayList<>();
        for (int l = 0; l < base.size(); l++) {
            MaskSpec s = base.get(l);
            out.add(new Tensor(s.layer(), new int[]{s.groups(), s.n()}, perLayer.get(l)));
        }
        return out;
    }
}
