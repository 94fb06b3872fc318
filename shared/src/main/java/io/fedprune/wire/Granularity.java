package io.fedprune.wire;

/** Mask granularity of a prunable layer as named on the wire (DESIGN.md §2); mirrors {@code fedprune.v1.Granularity}. */
public enum Granularity {
    /** Dense W[out,in]: G=out, n=in; conv: G=cout, n=cin*kh*kw. */
    WEIGHT,
    /** Conv: G=cout, n=cin (whole kh x kw kernels). */
    KERNEL,
    /** G=1, n=out (or cout): whole neurons or feature maps. */
    FILTER,
    /** Tiles of M consecutive weights keeping N: n=M, k=N. */
    N_M
}
