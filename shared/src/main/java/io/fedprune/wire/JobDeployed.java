package io.fedprune.wire;

/**
 * A job published a tier (job log copy of the {@link Deployment} sent on {@code fedprune.deployments}), so a
 * restarted coordinator shows it with its accuracy and checksums.
 *
 * @param deployment the tier as published
 */
public record JobDeployed(Deployment deployment) implements JobEvent {
    public JobDeployed {
        Checks.present(deployment, "job_event.deployed");
    }
}
