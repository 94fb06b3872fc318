package io.fedprune.kafka;

import io.fedprune.Patience;
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
    void agentsWriteOnlyDevicesUpdatesAndBlobs() {
        KafkaClients agent = clients(creds.agentProperties());
        for (Topic t : List.of(Topic.DEVICES, Topic.UPDATES, Topic.BLOBS)) assertNull(send(agent, t), t + " must be writable by agents");
        for (Topic t : List.of(Topic.ROUNDS, Topic.DEPLOYMENTS, Topic.JOBS, Topic.DEAD_LETTER)) {
            Exception e = send(agent, t);
            assertInstanceOf(TopicAuthorizationException.class, e, t + " must be refused to agents, got " + e);
        }
    }

    @Test
    void theCoordinatorWritesRoundsDeploymentsAndJobs() {
        KafkaClients coordinator = clients(creds.coordinatorProperties());
        for (Topic t : List.of(Topic.ROUNDS, Topic.DEPLOYMENTS, Topic.JOBS)) assertNull(send(coordinator, t), t.name());
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
