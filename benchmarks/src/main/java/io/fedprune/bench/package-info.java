/**
 * Benchmarks that print figures: medians over repeated runs and ratios against a baseline measured in the same run.
 * {@link io.fedprune.bench.BlobThroughputBench}: blob transfer through the embedded broker against raw records.
 */
package io.fedprune.bench;
