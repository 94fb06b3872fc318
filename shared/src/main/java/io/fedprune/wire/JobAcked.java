package io.fedprune.wire;

/**
 * A device answered a job's deployment (job log copy of its {@link DeploymentAck}), so a restarted coordinator
 * shows which tier each device applied and the accuracy it reported.
 *
 * @param ack the device's ack
 */
public record JobAcked(DeploymentAck ack) implements JobEvent {
    public JobAcked {
        Checks.present(ack, "job_event.acked");
    }
}
