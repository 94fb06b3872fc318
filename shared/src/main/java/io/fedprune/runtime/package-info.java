/**
 * The compact inference runtime a device runs after applying a tier (DESIGN.md §5b): a {@link
 * io.fedprune.runtime.CompactNetwork} of immutable {@link io.fedprune.runtime.Op}s whose k-of-n layers store only the
 * kept weights and their indices (by row, {@link io.fedprune.runtime.KeptRuns}, or by column,
 * {@link io.fedprune.runtime.KeptColumns}; float32 or int8 with per-row scales) and whose FILTER-pruned layers are smaller dense layers ({@link io.fedprune.runtime.DenseWeights}).
 * {@link io.fedprune.runtime.TierCompiler} builds one from a model and a tier's {@link io.fedprune.runtime.LayerMask}s.
 * Pure Java arrays, no ND4J, no transport.
 */
package io.fedprune.runtime;
