package io.fedprune.deploy.report;

import io.fedprune.runtime.TierKeys.LayerTensor;
import io.fedprune.runtime.LayerMask;
import io.fedprune.runtime.TierFile;
import io.fedprune.wire.Safetensors;

import java.util.ArrayList;
import java.util.List;

/**
 * Checks a tier artifact with the format's own reader ({@link TierFile#read}: every group keeps exactly k candidates,
 * indices in range, ascending and in agreement with the bit-packed mask, values of the right size) and measures it.
 */
public final class ArtifactCheck {

    /** What the check found for one layer (or, with a null layer, for the whole file). */
    public record Layer(String layer, String granularity, int groups, int n, int k, boolean kOfN, String problem) {
    }

    /** The whole file: sizes (kept values with their indices; bit-packed masks) and per-layer results. */
    public record Result(long fileBytes, long compactBytes, long maskBytes, List<Layer> layers) {
        public boolean ok() {
            return !layers.isEmpty() && layers.stream().allMatch(Layer::kOfN);
        }
    }

    private ArtifactCheck() {
    }

    public static Result check(byte[] file) {
        return check(file, null);
    }

    /** {@link #check(byte[])} of a tier of the model with this graph (null: a built-in the file names). */
    public static Result check(byte[] file, io.fedprune.model.Graph graph) {
        TierFile t;
        try {
            t = TierFile.read(file, java.util.Map.of(), graph);
        } catch (IllegalArgumentException e) {
            return new Result(file.length, 0, 0, List.of(new Layer(null, null, 0, 0, 0, false, e.getMessage())));
        }
        Safetensors.Contents c = Safetensors.read(file);
        List<Layer> out = new ArrayList<>();
        long compact = 0, masks = 0;
        for (LayerMask m : t.masks().values()) {
            String l = m.spec().layer();
            compact += c.require(LayerTensor.VALUES.of(l)).data().length + c.require(LayerTensor.INDICES.of(l)).data().length;
            masks += c.get(LayerTensor.MASK_BITS.of(l)).map(e -> e.data().length).orElse(0);
            out.add(new Layer(l, m.spec().granularity().name(), m.spec().groups(), m.spec().n(), m.spec().k(), true, null));
        }
        return new Result(file.length, compact, masks, out);
    }
}
