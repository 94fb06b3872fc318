package io.fedprune.fuse;

/**
 * How much one device's accepted update counts in a round's fusion.
 *
 * <p>The protocol is synchronous (an update for an earlier round is rejected as late), so every fused update starts
 * from the current global logits and there is no staleness to discount.
 */
public enum Weighting {
    /**
     * An update weighs the square root of its training sample count (the default): more data counts for more, but a
     * few large devices with skewed labels cannot outvote the rest (measured in docs/demo/README.md).
     */
    SQRT_SAMPLES,
    /** FedAvg's rule: an update weighs its training sample count. */
    SAMPLES,
    /** One device, one vote: every update weighs 1, however much data the device holds. */
    EQUAL;

    /**
     * The weight of an update trained on {@code samples} images.
     *
     * @throws IllegalArgumentException if {@code samples < 1}
     */
    public double weight(long samples) {
        if (samples < 1) throw new IllegalArgumentException("samples must be >= 1, was " + samples);
        return switch (this) {
            case SQRT_SAMPLES -> Math.sqrt(samples);
            case SAMPLES -> samples;
            case EQUAL -> 1.0;
        };
    }
}
