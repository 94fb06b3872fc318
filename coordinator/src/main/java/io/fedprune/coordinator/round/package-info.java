/**
 * The round loop and its parts, each tested on its own: {@link io.fedprune.coordinator.round.JobRunner} (the loop),
 * {@link io.fedprune.coordinator.round.DeviceSelector} (who takes part, with which k),
 * {@link io.fedprune.coordinator.round.PruningStrategy} (the round start; fusion, metrics and tiers of the replies),
 * {@link io.fedprune.coordinator.round.UpdateValidator} (the typed verdict on each update),
 * {@link io.fedprune.coordinator.round.RoundTally} (the round's counts); the transports
 * ({@link io.fedprune.coordinator.round.KafkaRoundTransport}, {@link io.fedprune.coordinator.round.MemoryRoundTransport})
 * and the evaluator interface.
 */
package io.fedprune.coordinator.round;
