package io.fedprune.deploy.report;

import io.fedprune.runtime.TierKeys.LayerTensor;
import io.fedprune.runtime.LayerMask;
import io.fedprune.runtime.TierFile;
import io.fedprune.wire.Safetensors;

import java.util.ArrayList;
import java.util.List;

/**
 * Checks a tier artifact with the format's own reader ({@link TierFile#read}: every group keeps exactly k candidates,
 * indices in range and ascending, mask bits in agreement with them where a file has both, values of the right size)
 * and measures it.
 */
public final class ArtifactCheck {

    /** What the check found for one layer (or, with a null layer, for the whole file). */
    public record Layer(String layer, String granularity, int groups, int n, int k, boolean kOfN, String problem) {
    }

    /**
     * The whole file: its size, the pruned layers' compact size (the kept values and what says which they are: their
     * indices or the bit-packed mask, whichever the file holds) and per-layer results.
     */
    public record Result(long fileBytes, long compactBytes, List<Layer> layers) {
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
            return new Result(file.length, 0, List.of(new Layer(null, null, 0, 0, 0, false, e.getMessage())));
        }
        Safetensors.Contents c = Safetensors.read(file);
        List<Layer> out = new ArrayList<>();
        long compact = 0;
        for (LayerMask m : t.masks().values()) {
            String l = m.spec().layer();
            compact += c.require(LayerTensor.VALUES.of(l)).data().length
                    + c.get(LayerTensor.INDICES.of(l)).or(() -> c.get(LayerTensor.MASK_BITS.of(l))).orElseThrow().data().length;
            out.add(new Layer(l, m.spec().granularity().name(), m.spec().groups(), m.spec().n(), m.spec().k(), true, null));
        }
        return new Result(file.length, compact, out);
    }
}
