package io.fedprune.agent;

import io.fedprune.model.Layer;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.model.Tensor;
import io.fedprune.wire.Safetensors;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Rebuilds the pruned model from a tier's deployment artifact (the coordinator's {@code TierArtifact} format, a
 * safetensors file): dense weights from {@code <layer>.values} at {@code <layer>.indices}, checked against
 * {@code <layer>.mask}; biases and unpruned weights as they are.
 */
public final class TierModel {
    private TierModel() {
    }

    /** The pruned model of an artifact; {@link IllegalArgumentException} naming the problem if it is inconsistent. */
    public static Model fromArtifact(byte[] bytes) {
        Safetensors.Contents p = Safetensors.read(bytes);
        Map<String, String> meta = p.metadata();
        ModelArch arch = ModelArch.parse(require(meta, "arch"));
        List<String> pruned = List.of(require(meta, "layers").split(","));
        List<Tensor> params = new ArrayList<>();
        for (Layer layer : arch.layers()) {
            String name = layer.name();
            if (pruned.contains(name)) {
                int g = Integer.parseInt(require(meta, name + ".groups"));
                int n = Integer.parseInt(require(meta, name + ".n"));
                int k = Integer.parseInt(require(meta, name + ".k"));
                float[] values = p.require(name + ".values").floats();
                int[] idx = p.require(name + ".indices").ints();
                byte[] mask = p.require(name + ".mask").data();
                int e = layer.weightCount() / (g * n);
                if (idx.length != g * k || values.length != g * k * e || mask.length != layer.weightCount())
                    throw new IllegalArgumentException(name + ": tensor sizes do not match G=" + g + " n=" + n + " k=" + k);
                float[] w = new float[layer.weightCount()];
                for (int grp = 0; grp < g; grp++)
                    for (int j = 0; j < k; j++) {
                        int c = idx[grp * k + j];
                        if (c < 0 || c >= n) throw new IllegalArgumentException(name + ": index " + c + " outside [0, " + n + ")");
                        System.arraycopy(values, (grp * k + j) * e, w, (grp * n + c) * e, e);
                    }
                for (int i = 0; i < w.length; i++)
                    if (w[i] != 0 && mask[i] == 0) throw new IllegalArgumentException(name + ": values outside the mask");
                params.add(new Tensor(layer.weightName(), layer.weightShape(), w));
            } else {
                params.add(p.require(layer.weightName()).toTensor());
            }
            params.add(p.require(layer.biasName()).toTensor());
        }
        return Model.fromTensors(arch, params);
    }

    private static String require(Map<String, String> meta, String key) {
        String v = meta.get(key);
        if (v == null) throw new IllegalArgumentException("artifact metadata has no " + key);
        return v;
    }
}
