/** REST controllers (jobs, devices, deployments), error mapping and the Micronaut wiring. */
package io.fedprune.coordinator.api;
