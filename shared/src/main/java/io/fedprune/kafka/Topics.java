package io.fedprune.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The names and settings of all fedprune topics, in one place. Defaults ({@link #defaults()}): no prefix;
 * {@code devices}, {@code deployments} and {@code jobs} compacted; {@code rounds}, {@code blobs}, {@code uploads},
 * {@code updates} and {@code dead-letter} deleted after 7 days; one partition each; the broker's default replication
 * factor.
 *
 * <p>The blob topics ({@code blobs}, {@code uploads}) must not be compacted: all chunks of a blob share its key, and
 * compaction would keep only the last one.
 *
 * @param prefix  prepended to every base name (e.g. {@code test-42.}), so that tests or tenants can share a broker;
 *                empty by default
 * @param configs the settings of every topic
 */
public record Topics(String prefix, Map<Topic, TopicConfig> configs) {
    private static final Logger LOG = LoggerFactory.getLogger(Topics.class);

    public Topics {
        prefix = prefix == null ? "" : prefix;
        EnumMap<Topic, TopicConfig> copy = new EnumMap<>(Topic.class);
        copy.putAll(Objects.requireNonNull(configs, "configs"));
        for (Topic t : Topic.values()) if (!copy.containsKey(t)) throw new IllegalArgumentException("no settings for topic " + t);
        for (Topic t : Topic.values())
            if (t.carriesBlobs() && copy.get(t).compacted()) throw new IllegalArgumentException("the " + t.baseName() + " topic must not be compacted (chunks share their key)");
        configs = Map.copyOf(copy);
    }

    /** The defaults described above. */
    public static Topics defaults() {
        Map<Topic, TopicConfig> c = new EnumMap<>(Topic.class);
        for (Topic t : List.of(Topic.DEVICES, Topic.DEPLOYMENTS, Topic.JOBS)) c.put(t, TopicConfig.compactedTopic());
        for (Topic t : List.of(Topic.ROUNDS, Topic.BLOBS, Topic.UPLOADS, Topic.UPDATES, Topic.DEAD_LETTER)) c.put(t, TopicConfig.timedTopic());
        return new Topics("", c);
    }

    /** The same settings with another prefix. */
    public Topics withPrefix(String p) {
        return new Topics(p, configs);
    }

    /** The same settings with {@code topic} configured as {@code config}. */
    public Topics with(Topic topic, TopicConfig config) {
        Map<Topic, TopicConfig> c = new EnumMap<>(configs);
        c.put(topic, config);
        return new Topics(prefix, c);
    }

    /**
     * The same with every topic's replication factor and {@code min.insync.replicas} set (-1: the broker's defaults);
     * production: 3 and 2, so a write survives the loss of one broker and a topic stays writable with one down.
     */
    public Topics withReplication(int replicationFactor, int minInsyncReplicas) {
        Map<Topic, TopicConfig> c = new EnumMap<>(configs);
        c.replaceAll((t, tc) -> tc.withReplication(replicationFactor, minInsyncReplicas));
        return new Topics(prefix, c);
    }

    /** The full name of a topic (prefix + base name). */
    public String name(Topic topic) {
        return prefix + topic.baseName();
    }

    /** The settings of a topic. */
    public TopicConfig config(Topic topic) {
        return configs.get(topic);
    }

    /** The topic, for a full name of this set, if any. */
    public Optional<Topic> topicOf(String name) {
        for (Topic t : Topic.values()) if (name(t).equals(name)) return Optional.of(t);
        return Optional.empty();
    }

    /**
     * Creates every topic that does not exist yet (idempotent; existing topics are left as they are, even if their
     * settings differ). Safe to call concurrently from several processes.
     *
     * @return the names of the topics this call created
     * @throws IllegalStateException if the broker cannot be reached or refuses within {@code timeout}
     */
    public Set<String> ensureCreated(Admin admin, Duration timeout) {
        try {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (Topic t : Topic.values()) {
                if (existing.contains(name(t))) continue;
                TopicConfig c = config(t);
                missing.add(new NewTopic(name(t), Optional.of(c.partitions()),
                        c.replicationFactor() == -1 ? Optional.empty() : Optional.of(c.replicationFactor())).configs(c.configs()));
            }
            Set<String> created = new TreeSet<>();
            var result = admin.createTopics(missing);
            for (var e : result.values().entrySet()) {
                try {
                    e.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    created.add(e.getKey());
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) throw ex;   // created meanwhile by someone else
                }
            }
            if (!created.isEmpty()) LOG.info("created topics {}", created);
            return created;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create the fedprune topics: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot create the fedprune topics: no answer from the broker within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the fedprune topics", e);
        }
    }
}
