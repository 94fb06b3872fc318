/**
 * {@code ./fedprune local}: centralised experiments over the library ({@link io.fedprune.experiment.LocalExperiment})
 * and their report, {@code docs/RESULTS.md} and JSON ({@link io.fedprune.experiment.ResultsReport}).
 */
package io.fedprune.experiment;
