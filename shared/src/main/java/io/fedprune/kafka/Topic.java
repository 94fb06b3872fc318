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
    /**
     * Coordinator to agents: model weights, global logits and masks as chunks. Key: blob id (all chunks on one partition,
     * in order). Time retention.
     */
    BLOBS("fedprune.blobs"),
    /**
     * Agent to coordinator: the blobs of updates (a device's logits), chunked as on {@link #BLOBS}. Only the coordinator
     * reads it, so no device downloads (or may read) another device's update. Key: blob id. Time retention.
     */
    UPLOADS("fedprune.uploads"),
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

    /** Whether the topic carries blob chunks ({@link #BLOBS}, {@link #UPLOADS}): never compacted, read by blob readers. */
    public boolean carriesBlobs() {
        return this == BLOBS || this == UPLOADS;
    }

    /** {@code this}, if it carries blobs. */
    Topic requireBlobs() {
        if (!carriesBlobs()) throw new IllegalArgumentException("not a blob topic: " + this);
        return this;
    }

    /** The name without prefix, e.g. {@code fedprune.devices}. */
    public String baseName() {
        return baseName;
    }
}
