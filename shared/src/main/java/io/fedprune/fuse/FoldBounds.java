package io.fedprune.fuse;

/**
 * What one round's fold may receive, from which its fixed-point scales are fixed when it begins ({@link FixedSum}).
 * A contribution beyond them is refused ({@link InvalidContributionException}); nothing is clipped.
 *
 * @param maxContributions at most this many contributions are folded, at least 1 (the round's selected devices)
 * @param maxWeight        no contribution weighs more, finite and > 0 (the weight of the largest sample count a selected
 *                         device registered: {@link Weighting#weight})
 * @param maxAbsLogit      no logit is larger in magnitude, finite and > 0; default {@link #MAX_ABS_LOGIT}
 */
public record FoldBounds(int maxContributions, double maxWeight, float maxAbsLogit) {
    /** Default bound on |logit|: 2^16 (float16's range is 65504; DPP logits are a few tens at most). */
    public static final float MAX_ABS_LOGIT = 0x1p16f;

    public FoldBounds {
        if (maxContributions < 1) throw new IllegalArgumentException("maxContributions must be >= 1, was " + maxContributions);
        if (!(maxWeight > 0) || Double.isInfinite(maxWeight))
            throw new IllegalArgumentException("maxWeight must be finite and > 0, was " + maxWeight);
        if (!(maxAbsLogit > 0) || Float.isInfinite(maxAbsLogit))
            throw new IllegalArgumentException("maxAbsLogit must be finite and > 0, was " + maxAbsLogit);
    }

    /** Bounds for {@code contributions} devices of weight at most {@code maxWeight}, logits within the default bound. */
    public static FoldBounds of(int contributions, double maxWeight) {
        return new FoldBounds(contributions, maxWeight, MAX_ABS_LOGIT);
    }

    /**
     * The fixed-point scale of a sum of terms {@code w * v} with {@code |v| <= bound}: the largest power of two that keeps
     * every rounded term within 2^50 (so that one fused multiply-add rounds it exactly, see {@link FixedSum}) and the sum
     * of {@link #maxContributions} of them within 2^62 (no overflow of a long).
     */
    double scale(double bound) {
        double limit = Math.min(0x1p50, 0x1p62 / maxContributions) / (maxWeight * Math.max(bound, 1.0));
        return Math.scalb(1.0, Math.getExponent(limit));
    }
}
