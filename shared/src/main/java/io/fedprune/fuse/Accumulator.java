package io.fedprune.fuse;

/**
 * Fuses one round: {@link #add} each device's contribution (in any order), then {@link #finish} once.
 * Not thread-safe: the caller serialises {@code add} calls.
 */
public interface Accumulator {

    /**
     * Adds one device's logits.
     *
     * @throws IllegalArgumentException if the contribution does not match the layers (sizes, k, non-finite values);
     *                                  the accumulator is then unchanged
     */
    void add(Contribution contribution);

    /** Number of contributions added so far. */
    int count();

    /**
     * The fused result.
     *
     * @throws IllegalStateException if nothing was added
     */
    FusionResult finish();
}
