/**
 * The benchmark suite ({@link io.fedprune.bench.BenchMain}, {@code ./fedprune bench}): figures as medians over repeated
 * runs and ratios against a baseline measured in the same run, written to docs/BENCHMARKS.md. Sections:
 * {@link io.fedprune.bench.DppStepBench} (DPP step against the dense step), {@link io.fedprune.bench.FusionBench}
 * (JMH: fusion rules against a {@code float[]} sum), {@link io.fedprune.bench.BlobThroughputBench} (blobs against raw
 * records), {@link io.fedprune.bench.DemoRuns} (uplink per encoding, demo wall time) and
 * {@link io.fedprune.bench.DeployBench} (tiers against the dense model).
 */
package io.fedprune.bench;
