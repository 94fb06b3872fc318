package io.fedprune.wire;

import static io.fedprune.wire.Checks.orEmpty;
import static io.fedprune.wire.Checks.present;

/**
 * A job changed state.
 *
 * @param state  the new state
 * @param reason why (e.g. the error of a failed job); may be empty
 */
public record JobStatus(JobState state, String reason) implements JobEvent {
    public JobStatus {
        present(state, "job_status.state");
        reason = orEmpty(reason);
    }
}
