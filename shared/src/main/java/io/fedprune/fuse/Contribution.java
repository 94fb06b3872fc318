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
 * @param ranks  per layer, twice the rank of each logit in its row as the device sent them ({@link RowRanks}:
 *               {@code ranks[l][g * n + j]} for logit j of row g), or {@code null} for a layer without them; an empty
 *               list when the device sent none. {@link Fusion#RANK} folds them, checked to look like a ranking, instead of
 *               sorting the rows itself; the other rules ignore them. Not copied either.
 */
public record Contribution(List<float[]> logits, int[] k, double weight, List<int[]> ranks) {
    public Contribution {
        logits = List.copyOf(Objects.requireNonNull(logits, "logits"));
        Objects.requireNonNull(k, "k");
        if (k.length != logits.size())
            throw new IllegalArgumentException("k has " + k.length + " entries for " + logits.size() + " layers");
        if (!(weight > 0) || Double.isInfinite(weight))
            throw new IllegalArgumentException("weight must be finite and > 0, was " + weight);
        ranks = ranks == null || ranks.isEmpty() ? List.of() : Collections.unmodifiableList(new ArrayList<>(ranks));
        if (!ranks.isEmpty() && ranks.size() != logits.size())
            throw new IllegalArgumentException("ranks for " + ranks.size() + " layers, logits for " + logits.size());
    }

    /** A contribution without ranks (the coordinator ranks the rows itself). */
    public Contribution(List<float[]> logits, int[] k, double weight) {
        this(logits, k, weight, List.of());
    }

    /** The twice-ranks of layer {@code l}, or {@code null}. */
    int[] ranks(int l) {
        return ranks.isEmpty() ? null : ranks.get(l);
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
            int[] r = ranks(l);
            if (r != null && r.length != s.size())
                throw shape("layer " + s.name() + ": " + r.length + " ranks, expected " + s.size());
        }
    }

    private static InvalidContributionException shape(String message) {
        return new InvalidContributionException(InvalidContributionException.Problem.SHAPE, message);
    }
}
