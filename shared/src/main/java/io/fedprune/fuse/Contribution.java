package io.fedprune.fuse;

import java.util.List;
import java.util.Objects;

/**
 * One device's logits for one round, ready to be fused.
 *
 * <p>The arrays are <b>not</b> copied (they are large and this is the coordinator's hot path); an accumulator reads
 * them during {@link Accumulator#add} and keeps no reference unless its strategy says so (trimmed mean, median), and
 * the caller must not modify them until then.
 *
 * @param logits per layer, in the order of the accumulator's layers, each {@code float[groups * n]} row-major
 * @param k      per layer, the number of candidates per group the device trained for (1 <= k <= n)
 * @param weight the device's weight, > 0 (from its sample count: see {@link Weighting})
 */
public record Contribution(List<float[]> logits, int[] k, double weight) {
    public Contribution {
        logits = List.copyOf(Objects.requireNonNull(logits, "logits"));
        Objects.requireNonNull(k, "k");
        if (k.length != logits.size())
            throw new IllegalArgumentException("k has " + k.length + " entries for " + logits.size() + " layers");
        if (!(weight > 0) || Double.isInfinite(weight))
            throw new IllegalArgumentException("weight must be finite and > 0, was " + weight);
    }

    /** Checks the contribution against the layers: sizes, k in [1, n] and finite logits. */
    void validate(List<LayerShape> layers) {
        if (logits.size() != layers.size())
            throw new IllegalArgumentException("contribution has " + logits.size() + " layers, expected " + layers.size());
        for (int l = 0; l < layers.size(); l++) {
            LayerShape s = layers.get(l);
            float[] x = logits.get(l);
            if (x.length != s.size())
                throw new IllegalArgumentException("layer " + s.name() + ": " + x.length + " logits, expected " + s.size());
            if (k[l] < 1 || k[l] > s.n())
                throw new IllegalArgumentException("layer " + s.name() + ": k=" + k[l] + " outside [1, " + s.n() + "]");
            for (float v : x)
                if (!Float.isFinite(v)) throw new IllegalArgumentException("layer " + s.name() + ": non-finite logit");
        }
    }
}
