package io.fedprune.wire;

/**
 * An entry of the coordinator's own event log (topic {@code fedprune.jobs}): a submitted job spec, a round
 * result or a status change. The topic is compacted, so give every event that must survive its own key
 * (e.g. {@code <job>/spec}, {@code <job>/round/<n>}, {@code <job>/status}).
 */
public sealed interface JobEvent extends Message permits JobSubmitted, RoundResult, JobStatus {
    @Override
    default MessageType type() {
        return MessageType.JOB_EVENT;
    }

    @Override
    default boolean jobScoped() {
        return true;
    }
}
