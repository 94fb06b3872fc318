package io.fedprune.fuse;

import java.util.ArrayList;
import java.util.Collections;
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
 * @param orders per layer, the device's ascending order of each row of its logits ({@code orders[l][g * n + t]} = the
 *               position in row g of its t-th smallest logit), or {@code null} for a layer without one; an empty list
 *               when the device sent none. {@link Fusion#RANK} checks an order against the logits and ranks from it in
 *               O(n) instead of sorting the row itself; the other rules ignore orders.
 */
public record Contribution(List<float[]> logits, int[] k, double weight, List<int[]> orders) {
    public Contribution {
        logits = List.copyOf(Objects.requireNonNull(logits, "logits"));
        Objects.requireNonNull(k, "k");
        if (k.length != logits.size())
            throw new IllegalArgumentException("k has " + k.length + " entries for " + logits.size() + " layers");
        if (!(weight > 0) || Double.isInfinite(weight))
            throw new IllegalArgumentException("weight must be finite and > 0, was " + weight);
        orders = orders == null || orders.isEmpty() ? List.of() : Collections.unmodifiableList(new ArrayList<>(orders));
        if (!orders.isEmpty() && orders.size() != logits.size())
            throw new IllegalArgumentException("orders for " + orders.size() + " layers, logits for " + logits.size());
    }

    /** A contribution without row orders (the coordinator ranks the rows itself). */
    public Contribution(List<float[]> logits, int[] k, double weight) {
        this(logits, k, weight, List.of());
    }

    /** The row order of layer {@code l}, or {@code null}. */
    int[] order(int l) {
        return orders.isEmpty() ? null : orders.get(l);
    }

    /**
     * Checks the contribution's structure against the layers: sizes and k in [1, n]. Values are checked where they
     * are folded, in the same pass ({@link FixedSum}).
     */
    void validate(List<LayerShape> layers) {
        if (logits.size() != layers.size())
            throw shape("contribution has " + logits.size() + " layers, expected " + layers.size());
        for (int l = 0; l < layers.size(); l++) {
            LayerShape s = layers.get(l);
            if (logits.get(l).length != s.size())
                throw shape("layer " + s.name() + ": " + logits.get(l).length + " logits, expected " + s.size());
            if (k[l] < 1 || k[l] > s.n())
                throw shape("layer " + s.name() + ": k=" + k[l] + " outside [1, " + s.n() + "]");
            int[] o = order(l);
            if (o != null && o.length != s.size())
                throw shape("layer " + s.name() + ": row order of " + o.length + " positions, expected " + s.size());
        }
    }

    private static InvalidContributionException shape(String message) {
        return new InvalidContributionException(InvalidContributionException.Problem.SHAPE, message);
    }
}
