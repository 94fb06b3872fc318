package io.fedprune.wire;

/**
 * An entry of the coordinator's own event log (topic {@code fedprune.jobs}): a submitted job spec, a round
 * result, a status change, a published tier or a device's ack of it. The topic is compacted, so every event that must
 * survive has its own key, defined once by {@link #key}: {@code <job>/submitted}, {@code <job>/round-<n>},
 * {@code <job>/status} (the latest status is the one kept), {@code <job>/deployed/<tier>} (the latest deployment of
 * a tier) and {@code <job>/ack/<tier>/<device>} (a device's latest answer for a tier).
 */
public sealed interface JobEvent extends Message permits JobSubmitted, RoundResult, JobStatus, JobDeployed, JobAcked {
    @Override
    default MessageType type() {
        return MessageType.JOB_EVENT;
    }

    /** The record key of an event of job {@code jobId} in round {@code round} (the round is used for round results only). */
    static String key(String jobId, int round, JobEvent event) {
        String what;
        if (event instanceof JobSubmitted) what = "submitted";
        else if (event instanceof JobStatus) what = "status";
        else if (event instanceof JobDeployed d) what = "deployed/" + d.deployment().tier();
        else if (event instanceof JobAcked a) what = "ack/" + a.ack().tier() + "/" + a.ack().deviceId();
        else what = "round-" + round;
        return jobId + "/" + what;
    }

    @Override
    default boolean jobScoped() {
        return true;
    }
}
