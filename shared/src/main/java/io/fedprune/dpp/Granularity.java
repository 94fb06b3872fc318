package io.fedprune.dpp;

/**
 * How a prunable layer's weights are grouped into candidates (DESIGN.md §2).
 *
 * <p>Layouts: a dense weight is {@code W[out, in]} row-major, a convolution weight {@code W[cout, cin, kh, kw]}
 * row-major. A candidate is always a run of consecutive weights, so a group mask {@code [G, n]} expands to the
 * weight by repeating every candidate's value over its run.
 * <table>
 * <caption>groups G, candidates per group n, weights per candidate</caption>
 * <tr><th></th><th>dense W[out,in]</th><th>conv W[cout,cin,kh,kw]</th></tr>
 * <tr><td>{@link #WEIGHT}</td><td>G=out, n=in, 1</td><td>G=cout, n=cin*kh*kw, 1</td></tr>
 * <tr><td>{@link #KERNEL}</td><td>not allowed</td><td>G=cout, n=cin, kh*kw</td></tr>
 * <tr><td>{@link #FILTER}</td><td>G=1, n=out, in</td><td>G=1, n=cout, cin*kh*kw</td></tr>
 * <tr><td>{@link #TILE}</td><td>G=out*in/M, n=M, 1</td><td>G=cout*cin*kh*kw/M, n=M, 1</td></tr>
 * </table>
 */
public enum Granularity {
    /** Single weights: each output neuron / feature map keeps k of its inputs. */
    WEIGHT,
    /** Whole kh x kw kernels of a convolution: each feature map keeps k of its input channels. */
    KERNEL,
    /** Whole output neurons / feature maps: the layer keeps k of them. */
    FILTER,
    /** N:M tiles: every run of M consecutive weights along the input axis keeps N (e.g. 2:4). */
    TILE
}
