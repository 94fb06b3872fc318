package io.fedprune.fuse;

import java.util.List;

/**
 * A rule that combines device logits into fused scores and next-round logits (DESIGN.md §3).
 * Create one with {@link FusionConfig#strategy()}.
 */
public interface FusionStrategy {

    /** The rule's name, e.g. {@code RANK}. */
    Fusion kind();

    /** Starts fusing one round over the given layers. */
    Accumulator begin(List<LayerShape> layers);
}
