/**
 * Dynamic Probabilistic Pruning: learning exact k-of-n masks (DESIGN.md §2). Pure maths on Java arrays: no
 * transport, no ND4J.
 *
 * <ul>
 *   <li>{@link io.fedprune.dpp.MaskSpec}: how a layer's weights are grouped (granularity, G groups of n candidates,
 *       k kept per group) and how group masks map to weight-shaped masks.</li>
 *   <li>{@link io.fedprune.dpp.DppLayer}: per-layer training state: Gumbel top-k sampling in the forward pass,
 *       straight-through gradient through the relaxed top-k, entropy regulariser, Adam on the logits.</li>
 *   <li>{@link io.fedprune.dpp.Relax} and {@link io.fedprune.dpp.Gumbel}: the maths as pure functions (double-precision
 *       reference, counter-based noise). Training runs on float kernels, vectorised ({@code jdk.incubator.vector})
 *       when that module is present, that give the same bits with or without it, on every JIT tier and thread split
 *       (fixed-order float arithmetic, own exp/log polynomials: see {@code FloatMath}).</li>
 *   <li>{@link io.fedprune.dpp.Masks}, {@link io.fedprune.dpp.Logits}, {@link io.fedprune.dpp.Metrics}: final masks,
 *       baselines (magnitude, random), logit initialisation, confidence / diversity / Jaccard.</li>
 * </ul>
 */
package io.fedprune.dpp;
