package io.fedprune.wire;

/**
 * An entry of the coordinator's own event log (topic {@code fedprune.jobs}): a submitted job spec, a round
 * result or a status change. The topic is compacted, so every event that must survive has its own key, defined
 * once by {@link #key}: {@code <job>/submitted}, {@code <job>/round-<n>} and {@code <job>/status} (the latest status
 * is the one kept).
 */
public sealed interface JobEvent extends Message permits JobSubmitted, RoundResult, JobStatus {
    @Override
    default MessageType type() {
        return MessageType.JOB_EVENT;
    }

    /** The record key of an event of job {@code jobId} in round {@code round} (the round is used for round results only). */
    static String key(String jobId, int round, JobEvent event) {
        return jobId + "/" + (event instanceof JobSubmitted ? "submitted" : event instanceof JobStatus ? "status" : "round-" + round);
    }

    @Override
    default boolean jobScoped() {
        return true;
    }
}
