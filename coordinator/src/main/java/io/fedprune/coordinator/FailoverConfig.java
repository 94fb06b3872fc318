package io.fedprune.coordinator;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * Several coordinators on one cluster, keys under {@code fedprune.coordinator.failover} (environment
 * {@code FEDPRUNE_COORDINATOR_FAILOVER_*}). With {@code enabled}, every coordinator joins one Kafka consumer group on
 * {@code fedprune.jobs}; the member assigned its partition is the leader and the only one that runs jobs and takes
 * updates; the others are standbys that list the job log and take over, from the log, when the leader's session ends.
 * See docs/RELIABILITY.md.
 *
 * @param enabled          join the leader election; default false (one coordinator, which runs every job)
 * @param instanceId       a stable name of this instance in the group (Kafka's static membership: a restarted
 *                         instance with the same name takes its place back at once); default none (a new member per
 *                         start). Instances on one cluster must have different names, e.g. the pod name.
 * @param sessionTimeoutMs how long a leader that stopped answering (killed, cut off) keeps the lead before a standby
 *                         takes over; default 10000 (the broker's {@code group.min.session.timeout.ms} is the floor)
 */
@ConfigurationProperties("fedprune.coordinator.failover")
public record FailoverConfig(@Bindable(defaultValue = "false") boolean enabled,
                             @Nullable String instanceId,
                             @Bindable(defaultValue = "10000") long sessionTimeoutMs) {
    public FailoverConfig {
        if (sessionTimeoutMs < 1) throw new IllegalArgumentException("failover session-timeout-ms must be >= 1, was " + sessionTimeoutMs);
        if (instanceId != null && instanceId.isBlank()) instanceId = null;
    }

    /** Off: one coordinator runs every job. */
    public static final FailoverConfig OFF = new FailoverConfig(false, null, 10_000);

    /** On, with this instance name (null: none) and session timeout. */
    public static FailoverConfig on(String instanceId, long sessionTimeoutMs) {
        return new FailoverConfig(true, instanceId, sessionTimeoutMs);
    }
}
