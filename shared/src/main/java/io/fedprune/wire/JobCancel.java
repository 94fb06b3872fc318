package io.fedprune.wire;

import java.util.Objects;

/**
 * The coordinator stopped a job (topic {@code fedprune.rounds}, key: job id; signed by the coordinator). Agents drop
 * the job's queued rounds and stop training it after the current epoch, sending nothing for it.
 *
 * @param reason why, for the agents' logs (may be empty)
 */
public record JobCancel(String reason) implements Message {
    public JobCancel {
        Objects.requireNonNull(reason, "job_cancel.reason");
    }

    @Override
    public MessageType type() {
        return MessageType.JOB_CANCEL;
    }

    @Override
    public boolean jobScoped() {
        return true;
    }
}
