package io.fedprune.wire;

/** The type of an {@link Envelope}'s body; mirrors {@code fedprune.v1.MessageType}. */
public enum MessageType {
    DEVICE_HELLO, HEARTBEAT, ROUND_START, UPDATE, DEPLOYMENT, DEPLOYMENT_ACK, JOB_EVENT, DEAD_LETTER, BLOB_CHUNK, JOB_CANCEL
}
