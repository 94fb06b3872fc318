package io.fedprune.coordinator;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import io.micronaut.core.annotation.Nullable;

/**
 * The coordinator's settings, keys under {@code fedprune.coordinator} (application.yml, environment
 * {@code FEDPRUNE_COORDINATOR_*}, or {@code -Dfedprune.coordinator.*}). A plain record, so an in-process coordinator
 * (the sandbox demo, the tests) builds one with {@link #builder()}. Every default is a
 * {@code DEFAULT_*} constant, defined once for Micronaut's binding and the builder.
 *
 * @param bootstrapServers Kafka bootstrap servers; default: {@code KAFKA_BOOTSTRAP_SERVERS}, else {@code localhost:9092}
 * @param topicPrefix      prefix of every topic name; default empty
 * @param dataDir          MNIST IDX folder for pretraining and the held-out set; default {@code data/mnist}
 * @param workDir          where pretrained models and deployment artifacts are kept; default {@code work/coordinator}
 * @param evalSamples      held-out images used per evaluation (0 = the whole test split); default 0
 * @param validationSamples the last N images of the data's training split held out as the validation split (0 = none,
 *                         default): each round's tiers are evaluated on it and every tier deploys the masks of its
 *                         best round on it (the test split only reports); pretraining leaves them out, and devices
 *                         must not train on them
 * @param deviceLiveMs     a device counts as alive this long after its last hello/heartbeat; default 30000
 * @param resumeJobs       rebuild state from {@code fedprune.jobs} on start and continue unfinished jobs; default true
 * @param topicReplicationFactor replication factor of the topics this coordinator creates; default 1 (the sandbox's
 *                         single broker); production: 3
 * @param topicMinInsyncReplicas {@code min.insync.replicas} of the topics it creates; default 1; production: 2
 * @param maxBlobBytes     largest blob (model, update logits) the coordinator assembles; a reference or chunk declaring
 *                         more is refused before anything is allocated; default 268435456 (256 MiB)
 * @param blobTimeoutMs    how long the coordinator waits for a referenced blob (an update's logits, a model); the
 *                         wait never holds up other updates; default 60000
 */
@ConfigurationProperties("fedprune.coordinator")
public record CoordinatorConfig(@Nullable String bootstrapServers,
                                @Bindable(defaultValue = DEFAULT_TOPIC_PREFIX) String topicPrefix,
                                @Bindable(defaultValue = DEFAULT_DATA_DIR) String dataDir,
                                @Bindable(defaultValue = DEFAULT_WORK_DIR) String workDir,
                                @Bindable(defaultValue = "" + DEFAULT_EVAL_SAMPLES) int evalSamples,
                                @Bindable(defaultValue = "" + DEFAULT_VALIDATION_SAMPLES) int validationSamples,
                                @Bindable(defaultValue = "" + DEFAULT_DEVICE_LIVE_MS) long deviceLiveMs,
                                @Bindable(defaultValue = "" + DEFAULT_RESUME_JOBS) boolean resumeJobs,
                                @Bindable(defaultValue = "" + DEFAULT_TOPIC_REPLICATION_FACTOR) int topicReplicationFactor,
                                @Bindable(defaultValue = "" + DEFAULT_TOPIC_MIN_INSYNC_REPLICAS) int topicMinInsyncReplicas,
                                @Bindable(defaultValue = "" + DEFAULT_MAX_BLOB_BYTES) long maxBlobBytes,
                                @Bindable(defaultValue = "" + DEFAULT_BLOB_TIMEOUT_MS) long blobTimeoutMs) {
    public static final String DEFAULT_TOPIC_PREFIX = "";
    public static final String DEFAULT_DATA_DIR = "data/mnist";
    public static final String DEFAULT_WORK_DIR = "work/coordinator";
    public static final int DEFAULT_EVAL_SAMPLES = 0;
    public static final int DEFAULT_VALIDATION_SAMPLES = 0;
    public static final long DEFAULT_DEVICE_LIVE_MS = 30_000;
    public static final boolean DEFAULT_RESUME_JOBS = true;
    public static final int DEFAULT_TOPIC_REPLICATION_FACTOR = 1;
    public static final int DEFAULT_TOPIC_MIN_INSYNC_REPLICAS = 1;
    public static final long DEFAULT_MAX_BLOB_BYTES = 256L << 20;
    public static final long DEFAULT_BLOB_TIMEOUT_MS = 60_000;

    /** Every setting at its default. */
    public static CoordinatorConfig defaults() {
        return builder().build();
    }

    /** A builder with every setting at its default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link CoordinatorConfig}; unset settings keep their defaults. */
    public static final class Builder {
        private String bootstrapServers, topicPrefix = DEFAULT_TOPIC_PREFIX, dataDir = DEFAULT_DATA_DIR, workDir = DEFAULT_WORK_DIR;
        private int evalSamples = DEFAULT_EVAL_SAMPLES, validationSamples = DEFAULT_VALIDATION_SAMPLES, topicReplicationFactor = DEFAULT_TOPIC_REPLICATION_FACTOR,
                topicMinInsyncReplicas = DEFAULT_TOPIC_MIN_INSYNC_REPLICAS;
        private long deviceLiveMs = DEFAULT_DEVICE_LIVE_MS, maxBlobBytes = DEFAULT_MAX_BLOB_BYTES, blobTimeoutMs = DEFAULT_BLOB_TIMEOUT_MS;
        private boolean resumeJobs = DEFAULT_RESUME_JOBS;

        private Builder() {
        }

        public Builder bootstrapServers(String v) { bootstrapServers = v; return this; }
        public Builder topicPrefix(String v) { topicPrefix = v; return this; }
        public Builder dataDir(String v) { dataDir = v; return this; }
        public Builder workDir(String v) { workDir = v; return this; }
        public Builder evalSamples(int v) { evalSamples = v; return this; }
        public Builder validationSamples(int v) { validationSamples = v; return this; }
        public Builder deviceLiveMs(long v) { deviceLiveMs = v; return this; }
        public Builder resumeJobs(boolean v) { resumeJobs = v; return this; }

        /** The replication factor and {@code min.insync.replicas} of the topics the coordinator creates. */
        public Builder topicReplication(int replicationFactor, int minInsyncReplicas) {
            topicReplicationFactor = replicationFactor;
            topicMinInsyncReplicas = minInsyncReplicas;
            return this;
        }

        public Builder maxBlobBytes(long v) { maxBlobBytes = v; return this; }
        public Builder blobTimeoutMs(long v) { blobTimeoutMs = v; return this; }

        public CoordinatorConfig build() {
            return new CoordinatorConfig(bootstrapServers, topicPrefix, dataDir, workDir, evalSamples, validationSamples, deviceLiveMs, resumeJobs,
                    topicReplicationFactor, topicMinInsyncReplicas, maxBlobBytes, blobTimeoutMs);
        }
    }
}
