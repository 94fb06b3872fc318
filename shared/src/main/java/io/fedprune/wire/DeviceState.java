package io.fedprune.wire;

/** What a device reports in its heartbeat; mirrors {@code fedprune.v1.DeviceState}. */
public enum DeviceState {
    IDLE, TRAINING, LEAVING
}
