package io.fedprune.coordinator;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import io.micronaut.core.annotation.Nullable;

/**
 * The coordinator's settings, keys under {@code fedprune.coordinator} (application.yml, environment
 * {@code FEDPRUNE_COORDINATOR_*}, or {@code -Dfedprune.coordinator.*}). A plain record, so an in-process coordinator
 * (the sandbox demo) builds one with {@link #defaults()} and the {@code with*} methods.
 *
 * @param bootstrapServers Kafka bootstrap servers; default: {@code KAFKA_BOOTSTRAP_SERVERS}, else {@code localhost:9092}
 * @param topicPrefix      prefix of every topic name; default empty
 * @param dataDir          MNIST IDX folder for pretraining and the held-out set; default {@code data/mnist}
 * @param workDir          where pretrained models and deployment artifacts are kept; default {@code work/coordinator}
 * @param evalSamples      held-out images used per evaluation (0 = the whole test split); default 0
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
                                @Bindable(defaultValue = "") String topicPrefix,
                                @Bindable(defaultValue = "data/mnist") String dataDir,
                                @Bindable(defaultValue = "work/coordinator") String workDir,
                                @Bindable(defaultValue = "0") int evalSamples,
                                @Bindable(defaultValue = "30000") long deviceLiveMs,
                                @Bindable(defaultValue = "true") boolean resumeJobs,
                                @Bindable(defaultValue = "1") int topicReplicationFactor,
                                @Bindable(defaultValue = "1") int topicMinInsyncReplicas,
                                @Bindable(defaultValue = "268435456") long maxBlobBytes,
                                @Bindable(defaultValue = "60000") long blobTimeoutMs) {

    /** Every setting at its default. */
    public static CoordinatorConfig defaults() {
        return new CoordinatorConfig(null, "", "data/mnist", "work/coordinator", 0, 30_000, true, 1, 1, 256L << 20, 60_000);
    }

    public CoordinatorConfig withBootstrapServers(String v) {
        return new CoordinatorConfig(v, topicPrefix, dataDir, workDir, evalSamples, deviceLiveMs, resumeJobs, topicReplicationFactor, topicMinInsyncReplicas, maxBlobBytes, blobTimeoutMs);
    }

    public CoordinatorConfig withTopicPrefix(String v) {
        return new CoordinatorConfig(bootstrapServers, v, dataDir, workDir, evalSamples, deviceLiveMs, resumeJobs, topicReplicationFactor, topicMinInsyncReplicas, maxBlobBytes, blobTimeoutMs);
    }

    public CoordinatorConfig withDataDir(String v) {
        return new CoordinatorConfig(bootstrapServers, topicPrefix, v, workDir, evalSamples, deviceLiveMs, resumeJobs, topicReplicationFactor, topicMinInsyncReplicas, maxBlobBytes, blobTimeoutMs);
    }

    public CoordinatorConfig withWorkDir(String v) {
        return new CoordinatorConfig(bootstrapServers, topicPrefix, dataDir, v, evalSamples, deviceLiveMs, resumeJobs, topicReplicationFactor, topicMinInsyncReplicas, maxBlobBytes, blobTimeoutMs);
    }

    public CoordinatorConfig withTopicReplication(int replicationFactor, int minInsyncReplicas) {
        return new CoordinatorConfig(bootstrapServers, topicPrefix, dataDir, workDir, evalSamples, deviceLiveMs, resumeJobs,
                replicationFactor, minInsyncReplicas, maxBlobBytes, blobTimeoutMs);
    }

    public CoordinatorConfig withMaxBlobBytes(long v) {
        return new CoordinatorConfig(bootstrapServers, topicPrefix, dataDir, workDir, evalSamples, deviceLiveMs, resumeJobs,
                topicReplicationFactor, topicMinInsyncReplicas, v, blobTimeoutMs);
    }

    public CoordinatorConfig withBlobTimeoutMs(long v) {
        return new CoordinatorConfig(bootstrapServers, topicPrefix, dataDir, workDir, evalSamples, deviceLiveMs, resumeJobs,
                topicReplicationFactor, topicMinInsyncReplicas, maxBlobBytes, v);
    }

    public CoordinatorConfig withResumeJobs(boolean v) {
        return new CoordinatorConfig(bootstrapServers, topicPrefix, dataDir, workDir, evalSamples, deviceLiveMs, v,
                topicReplicationFactor, topicMinInsyncReplicas, maxBlobBytes, blobTimeoutMs);
    }

    public CoordinatorConfig withEvalSamples(int v) {
        return new CoordinatorConfig(bootstrapServers, topicPrefix, dataDir, workDir, v, deviceLiveMs, resumeJobs, topicReplicationFactor, topicMinInsyncReplicas, maxBlobBytes, blobTimeoutMs);
    }
}
