package io.fedprune.fuse;

/**
 * Fuses one round: {@link #add} each device's contribution (in any order), then {@link #finish} once.
 * Not thread-safe: the caller serialises {@code add} calls. To fold on several threads, give each its own accumulator
 * (begun by the same strategy with the same layers and bounds) and {@link #merge} them before {@code finish}.
 */
public interface Accumulator {

    /**
     * Adds one device's logits.
     *
     * @throws IllegalArgumentException if the contribution does not match the layers (sizes, k, non-finite values);
     *                                  the accumulator is then unchanged
     */
    void add(Contribution contribution);

    /**
     * Adds everything {@code other} folded, as if its contributions had been added here; {@code other} must not be used
     * afterwards. The result is bit for bit that of one accumulator given all the contributions (the streaming rules'
     * sums are exact fixed-point sums; the coordinate rules order their contributions by content).
     *
     * @throws IllegalArgumentException if {@code other} was not begun by the same rule with the same layers and bounds,
     *                                  or both together hold more contributions than the bounds allow; nothing changed then
     */
    void merge(Accumulator other);

    /** Number of contributions added so far. */
    int count();

    /**
     * The fused result.
     *
     * @throws IllegalStateException if nothing was added
     */
    FusionResult finish();
}
