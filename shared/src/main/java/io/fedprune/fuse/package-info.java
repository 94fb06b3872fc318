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
 * from the devices when they send them ({@link io.fedprune.fuse.RowRanks}), folded in one streaming pass with the logits
 * and checked there to look like a ranking (range, sum, spread), not against the logits: a device picks its logits
 * freely, so agreement would prove nothing, and what bounds its influence on the fused ranking is that its vote is no
 * larger than a ranking's. Updates without them are ranked here by sorting each row (the same ranks and the same fused
 * bits, about ten times the cost per update).
 *
 * <p>An optional {@link io.fedprune.fuse.ServerOptimizer} (momentum or Adam over rounds, as FedAdam does for weights)
 * turns the fused logits into the next round's global logits.
 */
package io.fedprune.fuse;
