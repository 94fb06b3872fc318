/** The device registry fed by hellos and heartbeats on {@code fedprune.devices}. */
package io.fedprune.coordinator.fleet;
