package io.fedprune.kafka;

import io.fedprune.Patience;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.WireCodec;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The secured embedded broker with the documented users and ACLs: who may write and read what. */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
class SecureBrokerIT {
    private static EmbeddedBroker broker;
    private static FleetSecurity.Credentials creds;
    private static final Topics TOPICS = Topics.defaults().withPrefix("sec.");

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedBroker.start(EmbeddedBroker.Config.defaults().withSecurity());
        creds = FleetSecurity.Credentials.random();
        try (var admin = broker.superUserClients().admin()) {
            FleetSecurity.apply(admin, creds, TOPICS.prefix());
        }
        try (var admin = new KafkaClients(broker.bootstrapServers(), Map.copyOf(creds.coordinatorProperties())).admin()) {
            TOPICS.ensureCreated(admin, Patience.STEP);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) broker.close();
    }

    private static KafkaClients clients(Map<String, String> props) {
        return KafkaClients.configure(broker.bootstrapServers(), props);
    }

    private static Exception send(KafkaClients clients, Topic topic) {
        return SendProbe.send(clients, TOPICS.name(topic));
    }

    @Test
    void agentsWriteOnlyDevicesUpdatesAndUploads() {
        KafkaClients agent = clients(creds.agentProperties());
        for (Topic t : List.of(Topic.DEVICES, Topic.UPDATES, Topic.UPLOADS)) assertNull(send(agent, t), t + " must be writable by agents");
        for (Topic t : List.of(Topic.BLOBS, Topic.ROUNDS, Topic.DEPLOYMENTS, Topic.JOBS, Topic.DEAD_LETTER)) {
            Exception e = send(agent, t);
            assertInstanceOf(TopicAuthorizationException.class, e, t + " must be refused to agents, got " + e);
        }
    }

    @Test
    void theCoordinatorWritesRoundsDeploymentsJobsAndBlobs() {
        KafkaClients coordinator = clients(creds.coordinatorProperties());
        for (Topic t : List.of(Topic.ROUNDS, Topic.DEPLOYMENTS, Topic.JOBS, Topic.BLOBS)) assertNull(send(coordinator, t), t.name());
    }

    @Test
    void aDevicesUploadIsReadByTheCoordinatorAndByNoDevice() throws Exception {
        KafkaClients agent = clients(creds.agentProperties()), coordinator = clients(creds.coordinatorProperties());
        byte[] update = new byte[700_000];   // two chunks
        new java.util.Random(7).nextBytes(update);
        BlobRef ref;
        try (Publisher p = new Publisher(agent.producer("sec-device"), TOPICS, WireCodec.standard())) {
            ref = new BlobWriter(p, Topic.UPLOADS, "device-1").write(update, Blobs.TENSORS);
        }
        assertEquals(2, ref.chunkCount());
        try (BlobReader r = BlobReader.start(coordinator, TOPICS, Topic.UPLOADS, BlobReader.Config.defaults())) {
            assertArrayEquals(update, r.fetch(ref, Patience.STEP), "the coordinator reads the upload");
        }
        // another device (the same agent user) is refused by the broker: it cannot fetch a byte of the upload
        try (var c = agent.assignedConsumer(TOPICS.name(Topic.UPLOADS), "sec-other-device", KafkaClients.Start.BEGINNING)) {
            assertThrows(TopicAuthorizationException.class, () -> c.poll(Patience.STEP));
        }
    }

    @Test
    void devicesReadTheCoordinatorsBlobs() throws Exception {
        KafkaClients agent = clients(creds.agentProperties()), coordinator = clients(creds.coordinatorProperties());
        byte[] model = "model weights".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        BlobRef ref;
        try (Publisher p = new Publisher(coordinator.producer("sec-coordinator"), TOPICS, WireCodec.standard())) {
            ref = new BlobWriter(p, Topic.BLOBS, "coordinator").write(model, Blobs.OCTETS);
        }
        try (BlobReader r = BlobReader.start(agent, TOPICS, Topic.BLOBS, BlobReader.Config.defaults())) {
            assertArrayEquals(model, r.fetch(ref, Patience.STEP));
        }
    }

    @Test
    void wrongCredentialsAreRefused() {
        Exception e = send(clients(FleetSecurity.scramClient(creds.agentUser(), "not-the-password")), Topic.DEVICES);
        assertNotNull(e);
        assertTrue(e instanceof SaslAuthenticationException || e.getCause() instanceof SaslAuthenticationException, String.valueOf(e));
        Exception plain = send(KafkaClients.of(broker.bootstrapServers()).with(Map.of()), Topic.DEVICES);
        assertNotNull(plain, "a client without SASL must not get through");
    }

    @Test
    void agentsCannotReadUpdatesOrTheJobLog() {
        KafkaClients agent = clients(creds.agentProperties());
        assertThrows(Exception.class, () -> agent.assignedConsumer(TOPICS.name(Topic.UPDATES), "sec-it", KafkaClients.Start.BEGINNING).poll(Patience.STEP));
    }
}
