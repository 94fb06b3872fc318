package io.fedprune.kafka;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How one topic is created.
 *
 * @param partitions        number of partitions, {@code >= 1} (default 1: every key of a job on one ordered log)
 * @param replicationFactor replicas per partition, {@code >= 1}, or -1 for the broker's
 *                          {@code default.replication.factor} (default -1)
 * @param compacted         {@code cleanup.policy=compact} if true, else {@code delete} with {@code retention}
 * @param minInsyncReplicas replicas that must have a write before it is acknowledged to an {@code acks=all}
 *                          producer ({@code min.insync.replicas}), {@code >= 1}, or -1 for the broker's default
 *                          (default -1); production: replication factor 3 with 2 here
 * @param retention         how long records are kept when not compacted ({@code retention.ms}); {@code null} or
 *                          negative = forever; ignored for compacted topics (default 7 days)
 * @param extra             further topic configs passed as they are (e.g. {@code max.message.bytes}); default none
 */
public record TopicConfig(int partitions, short replicationFactor, int minInsyncReplicas, boolean compacted, Duration retention,
                          Map<String, String> extra) {
    /** Default retention of time-retained topics: 7 days. */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);

    public TopicConfig {
        if (partitions < 1) throw new IllegalArgumentException("partitions must be >= 1, was " + partitions);
        if (replicationFactor < 1 && replicationFactor != -1) {
            throw new IllegalArgumentException("replicationFactor must be >= 1 or -1 (broker default), was " + replicationFactor);
        }
        if (minInsyncReplicas < 1 && minInsyncReplicas != -1) {
            throw new IllegalArgumentException("minInsyncReplicas must be >= 1 or -1 (broker default), was " + minInsyncReplicas);
        }
        if (replicationFactor != -1 && minInsyncReplicas > replicationFactor) {
            throw new IllegalArgumentException("minInsyncReplicas (" + minInsyncReplicas + ") must not exceed the replication factor ("
                    + replicationFactor + ")");
        }
        extra = Map.copyOf(Objects.requireNonNull(extra, "extra"));
    }

    /** A compacted topic, one partition, broker-default replication. */
    public static TopicConfig compactedTopic() {
        return new TopicConfig(1, (short) -1, -1, true, null, Map.of());
    }

    /** A time-retained topic ({@link #DEFAULT_RETENTION}), one partition, broker-default replication. */
    public static TopicConfig timedTopic() {
        return new TopicConfig(1, (short) -1, -1, false, DEFAULT_RETENTION, Map.of());
    }

    /** The same with another partition count. */
    public TopicConfig withPartitions(int n) {
        return new TopicConfig(n, replicationFactor, minInsyncReplicas, compacted, retention, extra);
    }

    /** The same with another replication factor. */
    public TopicConfig withReplicationFactor(int rf) {
        return new TopicConfig(partitions, (short) rf, minInsyncReplicas, compacted, retention, extra);
    }

    /** The same with another replication factor and {@code min.insync.replicas} (-1 each: the broker's defaults). */
    public TopicConfig withReplication(int rf, int minIsr) {
        return new TopicConfig(partitions, (short) rf, minIsr, compacted, retention, extra);
    }

    /** The same with another retention (for time-retained topics). */
    public TopicConfig withRetention(Duration d) {
        return new TopicConfig(partitions, replicationFactor, minInsyncReplicas, compacted, d, extra);
    }

    /** The topic-level configs to create the topic with. */
    public Map<String, String> configs() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("cleanup.policy", compacted ? "compact" : "delete");
        if (!compacted) c.put("retention.ms", retention == null || retention.isNegative() ? "-1" : String.valueOf(retention.toMillis()));
        if (minInsyncReplicas != -1) c.put("min.insync.replicas", String.valueOf(minInsyncReplicas));
        c.putAll(extra);
        return c;
    }
}
