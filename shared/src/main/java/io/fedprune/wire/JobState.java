package io.fedprune.wire;

/** Life-cycle state of a job; mirrors {@code fedprune.v1.JobState}. */
public enum JobState {
    PENDING, RUNNING, COMPLETED, CANCELLED, FAILED
}
