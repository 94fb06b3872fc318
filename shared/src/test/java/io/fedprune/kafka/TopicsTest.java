package io.fedprune.kafka;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TopicsTest {

    @Test
    void defaultsFollowTheDesignTable() {
        Topics t = Topics.defaults();
        assertEquals("fedprune.devices", t.name(Topic.DEVICES));
        assertEquals("fedprune.dead-letter", t.name(Topic.DEAD_LETTER));
        assertEquals("fedprune.uploads", t.name(Topic.UPLOADS));
        for (Topic c : new Topic[]{Topic.DEVICES, Topic.DEPLOYMENTS, Topic.JOBS}) {
            assertEquals(Map.of("cleanup.policy", "compact"), t.config(c).configs(), c.name());
        }
        for (Topic c : new Topic[]{Topic.ROUNDS, Topic.BLOBS, Topic.UPLOADS, Topic.UPDATES, Topic.DEAD_LETTER}) {
            assertEquals(Map.of("cleanup.policy", "delete", "retention.ms", String.valueOf(7L * 24 * 3600 * 1000)), t.config(c).configs(), c.name());
        }
    }

    @Test
    void prefixAndOverrides() {
        Topics t = Topics.defaults().withPrefix("it-1.").with(Topic.UPDATES, TopicConfig.timedTopic().withPartitions(3).withRetention(Duration.ofHours(1)));
        assertEquals("it-1.fedprune.updates", t.name(Topic.UPDATES));
        assertEquals(Topic.UPDATES, t.topicOf("it-1.fedprune.updates").orElseThrow());
        assertTrue(t.topicOf("fedprune.updates").isEmpty());
        assertEquals(3, t.config(Topic.UPDATES).partitions());
        assertEquals("3600000", t.config(Topic.UPDATES).configs().get("retention.ms"));
        assertEquals("-1", TopicConfig.timedTopic().withRetention(null).configs().get("retention.ms"));
    }

    @Test
    void replicationSettingsApplyToEveryTopic() {
        Topics t = Topics.defaults().withReplication(3, 2);
        for (Topic c : Topic.values()) {
            assertEquals(3, t.config(c).replicationFactor(), c.name());
            assertEquals("2", t.config(c).configs().get("min.insync.replicas"), c.name());
        }
        assertNull(Topics.defaults().config(Topic.JOBS).configs().get("min.insync.replicas"), "-1: the broker's default");
        var e = assertThrows(IllegalArgumentException.class, () -> TopicConfig.timedTopic().withReplication(1, 2));
        assertTrue(e.getMessage().contains("must not exceed"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TopicConfig.timedTopic().withReplication(3, 0));
    }

    @Test
    void refusesACompactedBlobTopicAndBadSettings() {
        var e = assertThrows(IllegalArgumentException.class, () -> Topics.defaults().with(Topic.BLOBS, TopicConfig.compactedTopic()));
        assertTrue(e.getMessage().contains("must not be compacted"));
        var u = assertThrows(IllegalArgumentException.class, () -> Topics.defaults().with(Topic.UPLOADS, TopicConfig.compactedTopic()));
        assertTrue(u.getMessage().contains("fedprune.uploads topic must not be compacted"), u.getMessage());
        var notBlobs = assertThrows(IllegalArgumentException.class, Topic.UPDATES::requireBlobs);   // what BlobWriter and BlobReader check
        assertTrue(notBlobs.getMessage().contains("not a blob topic"), notBlobs.getMessage());
        assertEquals(Topic.UPLOADS, Topic.UPLOADS.requireBlobs());
        assertThrows(IllegalArgumentException.class, () -> TopicConfig.timedTopic().withPartitions(0));
        assertThrows(IllegalArgumentException.class, () -> TopicConfig.timedTopic().withReplicationFactor(0));
    }

    @Test
    void bootstrapFromConfigThenEnvironment() {
        assertEquals("h:1", KafkaClients.resolveBootstrap(" h:1 ", "e:2"));
        assertEquals("e:2", KafkaClients.resolveBootstrap(null, "e:2"));
        assertEquals("e:2", KafkaClients.resolveBootstrap("  ", "e:2"));
        var e = assertThrows(IllegalStateException.class, () -> KafkaClients.resolveBootstrap(null, null));
        assertTrue(e.getMessage().contains("KAFKA_BOOTSTRAP_SERVERS"));
    }
}
