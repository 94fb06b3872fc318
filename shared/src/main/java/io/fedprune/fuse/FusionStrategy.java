package io.fedprune.fuse;

import java.util.List;

/**
 * A rule that combines device logits into fused scores and next-round logits (DESIGN.md §3).
 * Create one with {@link FusionConfig#strategy()}.
 */
public interface FusionStrategy {

    /** The rule's name, e.g. {@code RANK}. */
    Fusion kind();

    /**
     * Starts fusing one round over the given layers. The bounds fix the sums' fixed-point scales, so the precision of
     * the result: pass the round's own (its device count and largest weight), not generous ones.
     */
    Accumulator begin(List<LayerShape> layers, FoldBounds bounds);
}
