/** Deployment artifacts: one self-describing safetensors file per tier. */
package io.fedprune.coordinator.deploy;
