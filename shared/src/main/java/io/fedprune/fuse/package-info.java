/**
 * Fusion of device logits into one shared ranking (DESIGN.md §3). Pure math: no transport, no Micronaut.
 *
 * <p>Devices train DPP mask logits under different budgets k, so their raw logits are not directly
 * comparable; a {@link io.fedprune.fuse.FusionStrategy} maps each device's logits to a comparable per-group score,
 * weights it (by the square root of its sample count by default: {@link io.fedprune.fuse.Weighting}) and
 * combines. Every strategy is used through an {@link io.fedprune.fuse.Accumulator} fed one device at a time, so that
 * the streaming strategies (rank, mean, inclusion) need memory O(model), not O(devices x model); the robust
 * coordinate-wise strategies (trimmed mean, median) inherently keep every contribution and say so.
 *
 * <p>Sums are fixed-point ({@code FixedSum}: each term rounded once to a multiple of a power of two fixed per round by
 * the {@link io.fedprune.fuse.FoldBounds}, added to a {@code long}), so the result does not depend on the order in
 * which devices arrive: the same set of updates gives bit-identical fused logits. The rank rule's per-row ranks come
 * from the row orders the devices send ({@link io.fedprune.fuse.RowOrders}), checked against their logits in O(n);
 * updates without them are ranked here by sorting each row (the same ranks, about ten times the cost).
 *
 * <p>An optional {@link io.fedprune.fuse.ServerOptimizer} (momentum or Adam over rounds, as FedAdam does for weights)
 * turns the fused logits into the next round's global logits.
 */
package io.fedprune.fuse;
