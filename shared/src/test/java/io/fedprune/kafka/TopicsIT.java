package io.fedprune.kafka;

import io.fedprune.Patience;
import org.junit.jupiter.api.extension.ExtendWith;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import java.util.concurrent.TimeUnit;

/** Topics are created with the configured settings, once. */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
@ExtendWith(SharedBroker.class)
class TopicsIT {
    @Test
    void createsAllTopicsWithTheirSettingsIdempotently(EmbeddedBroker broker) throws Exception {
        KafkaClients clients = KafkaClients.of(broker.bootstrapServers());   // the JVM's shared broker: topics under ti.
        Topics topics = Topics.defaults().withPrefix("ti.")
                .with(Topic.UPDATES, TopicConfig.timedTopic().withPartitions(3).withRetention(Duration.ofHours(2)))
                .with(Topic.BLOBS, new TopicConfig(2, (short) 1, 1, false, Duration.ofDays(1), Map.of("max.message.bytes", "2000000")));
        try (Admin admin = clients.admin()) {
            Set<String> created = topics.ensureCreated(admin, Patience.STEP);
            assertEquals(Arrays.stream(Topic.values()).map(topics::name).collect(Collectors.toSet()), created);
            assertEquals(Set.of(), topics.ensureCreated(admin, Patience.STEP), "second call creates nothing");

            var descriptions = admin.describeTopics(created).allTopicNames().get();
            assertEquals(3, descriptions.get("ti.fedprune.updates").partitions().size());
            assertEquals(2, descriptions.get("ti.fedprune.blobs").partitions().size());
            assertEquals(1, descriptions.get("ti.fedprune.devices").partitions().size());

            Map<ConfigResource, Config> configs = admin.describeConfigs(created.stream()
                    .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all().get();
            for (Topic t : Topic.values()) {
                Config c = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topics.name(t)));
                boolean compacted = t == Topic.DEVICES || t == Topic.DEPLOYMENTS || t == Topic.JOBS;
                assertEquals(compacted ? "compact" : "delete", c.get("cleanup.policy").value(), t.name());
                if (t == Topic.BLOBS) assertEquals("1", c.get("min.insync.replicas").value(), "min.insync.replicas from the topic config");
                if (!compacted) {
                    long expected = switch (t) {
                        case UPDATES -> 2 * 3600_000L;
                        case BLOBS -> 24 * 3600_000L;
                        default -> 7 * 24 * 3600_000L;
                    };
                    assertEquals(String.valueOf(expected), c.get("retention.ms").value(), t.name());
                }
            }
            assertEquals("2000000", configs.get(new ConfigResource(ConfigResource.Type.TOPIC, "ti.fedprune.blobs")).get("max.message.bytes").value());
        }
    }

    @Test
    void aClusterCreatedBeforeTheUploadsTopicGetsIt(EmbeddedBroker broker) throws Exception {
        KafkaClients clients = KafkaClients.of(broker.bootstrapServers());
        Topics topics = Topics.defaults().withPrefix("old.");
        try (Admin admin = clients.admin()) {
            // a cluster set up by an earlier version: every topic but uploads
            admin.createTopics(Arrays.stream(Topic.values()).filter(t -> t != Topic.UPLOADS)
                    .map(t -> new org.apache.kafka.clients.admin.NewTopic(topics.name(t), 1, (short) 1).configs(topics.config(t).configs()))
                    .toList()).all().get();
            assertEquals(Set.of("old.fedprune.uploads"), topics.ensureCreated(admin, Patience.STEP));
            var uploads = new ConfigResource(ConfigResource.Type.TOPIC, "old.fedprune.uploads");
            Config c = Patience.await().ignoreExceptions().until(() -> admin.describeConfigs(Set.of(uploads)).all().get().get(uploads), x -> x != null);   // once the new topic's metadata is out
            assertEquals("delete", c.get("cleanup.policy").value());
            assertEquals(String.valueOf(7 * 24 * 3600_000L), c.get("retention.ms").value());
        }
    }
}
