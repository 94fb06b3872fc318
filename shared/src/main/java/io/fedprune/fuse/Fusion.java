package io.fedprune.fuse;

/** The fusion rules (DESIGN.md §3). */
public enum Fusion {
    /**
     * Borda count (default): score = weighted mean per-row rank of each device's logits (0 = smallest, ties get their
     * average rank); next logits = per row, the sorted weighted-mean logit values placed in the order of the fused
     * ranking (the i-th smallest mean logit goes to the candidate with the i-th smallest fused rank; candidates tied in
     * fused rank share the average of their values). Streaming, O(model) memory.
     */
    RANK,
    /** Weighted mean of the logits; scores = next logits = that mean. Streaming, O(model) memory. */
    MEAN,
    /**
     * Weighted mean inclusion probability: each device's logits D are mapped per row to the continuous-limit
     * inclusion probabilities m_i = 1 - exp(-exp(D_i / T - tau)) with tau such that the row sums to the device's own k
     * (DESIGN.md §2); score = weighted mean of m; next logits = the weighted-mean logits re-ordered by that score, as
     * for RANK. Streaming, O(model) memory.
     */
    INCLUSION,
    /**
     * Coordinate-wise trimmed mean: per logit, the {@code floor(trim * N)} smallest and largest of the N device values
     * are dropped and the rest averaged with their weights. Keeps every contribution: O(devices x model) memory.
     */
    TRIMMED_MEAN,
    /**
     * Coordinate-wise weighted median (the smallest value whose cumulative weight reaches half the total; the mean of
     * the two middle values when the weight splits exactly in half). Keeps every contribution: O(devices x model).
     */
    MEDIAN
}
