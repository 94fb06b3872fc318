package io.fedprune.kafka;

/**
 * The fedprune topics (DESIGN.md §4). Names here are the base names; {@link Topics#name(Topic)} adds the
 * configured prefix.
 */
public enum Topic {
    /** Agent to coordinator: hello and heartbeat. Key: device id. Compacted. */
    DEVICES("fedprune.devices"),
    /** Coordinator to agents: round start. Key: job id. Time retention. */
    ROUNDS("fedprune.rounds"),
    /** Both ways: model weights, logits and masks as chunks. Key: blob id (all chunks on one partition, in order). Time retention. */
    BLOBS("fedprune.blobs"),
    /** Agent to coordinator: updates and deployment acks. Key: job id. Time retention. */
    UPDATES("fedprune.updates"),
    /** Coordinator to agents: tier deployments (key job id + "/" + tier). Compacted. */
    DEPLOYMENTS("fedprune.deployments"),
    /** The coordinator's own event log: job specs, round results, status. Compacted: one key per event to keep. */
    JOBS("fedprune.jobs"),
    /** Anything rejected, with the reason. Key: the original key. Time retention. */
    DEAD_LETTER("fedprune.dead-letter");

    private final String baseName;

    Topic(String baseName) {
        this.baseName = baseName;
    }

    /** The name without prefix, e.g. {@code fedprune.devices}. */
    public String baseName() {
        return baseName;
    }
}
