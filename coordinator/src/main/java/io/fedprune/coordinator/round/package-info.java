/**
 * The round loop ({@link io.fedprune.coordinator.round.JobRunner}, one class) and its small interfaces: transport,
 * evaluator; the Kafka transport adapter.
 */
package io.fedprune.coordinator.round;
