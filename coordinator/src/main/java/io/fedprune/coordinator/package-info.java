/**
 * The coordinator: {@link io.fedprune.coordinator.Coordinator} (the plain service: jobs, fleet, inbound events),
 * {@link io.fedprune.coordinator.CoordinatorNode} (that service with its Kafka clients, usable in-process without
 * HTTP), {@link io.fedprune.coordinator.CoordinatorConfig} and the Micronaut {@link io.fedprune.coordinator.Application}.
 */
package io.fedprune.coordinator;
