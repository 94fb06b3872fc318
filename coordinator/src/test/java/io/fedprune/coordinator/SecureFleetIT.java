package io.fedprune.coordinator;

import io.fedprune.Patience;
import io.fedprune.agent.Agent;
import io.fedprune.agent.AgentHub;
import io.fedprune.agent.PartitionSpec;
import io.fedprune.coordinator.job.JobViews;
import io.fedprune.data.Mnist;
import io.fedprune.data.TestData;
import io.fedprune.kafka.EmbeddedBroker;
import io.fedprune.kafka.FleetSecurity;
import io.fedprune.kafka.KafkaClients;
import io.fedprune.kafka.SendProbe;
import io.fedprune.kafka.Topic;
import io.fedprune.kafka.Topics;
import io.fedprune.wire.Budget;
import io.fedprune.wire.DeploymentAck;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A federated job end to end on a secured broker (SASL/SCRAM, ACLs of the documented setup): the coordinator and the
 * agents log in with their own users and it completes (agents may write their update blobs to the uploads topic but
 * not read it); an agent's user reading the uploads (another device's update) or writing a round start is refused by
 * the broker, and so is a client with a wrong password.
 */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
class SecureFleetIT {

    @Test
    void aJobRunsOnASecuredBrokerAndAgentsCannotWriteRounds() throws Exception {
        Path work = Files.createTempDirectory("fedprune-secure-it");
        Mnist.Split mini = Mnist.load(TestData.mnistMini());
        FleetSecurity.Credentials creds = FleetSecurity.Credentials.random();
        try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Config.defaults().withSecurity())) {
            try (var admin = broker.superUserClients().admin()) {
                FleetSecurity.apply(admin, creds, "");
            }
            CoordinatorConfig config = CoordinatorConfig.builder().bootstrapServers(broker.bootstrapServers())
                    .dataDir(TestData.mnistMini().toString()).workDir(work.toString()).build();
            try (CoordinatorNode node = CoordinatorNode.start(config, creds.coordinatorProperties());
                 AgentHub hub = AgentHub.start(AgentHub.Config.defaults(broker.bootstrapServers()).withHeartbeatMs(500)
                         .withKafkaProperties(creds.agentProperties()), node::enrol)) {
                double[] budgets = {0.1, 0.25};
                for (int i = 0; i < budgets.length; i++) {
                    PartitionSpec part = PartitionSpec.parse("iid:" + i + "/2:3");
                    hub.add(new Agent(new Agent.Settings("agent-" + i, Budget.ofKeep(budgets[i]), part.apply(mini.train()),
                            part.applyTest(mini.train(), mini.test()), null)));
                }
                Coordinator c = node.coordinator();
                Patience.await().until(() -> c.devices().stream().filter(JobViews.DeviceView::alive).count() == 2);
                String jobId = c.submit(FleetFixture.spec(2)).id();
                Patience.await().until(() -> !c.view(jobId).orElseThrow().state().equals("RUNNING"));
                JobViews.JobView job = c.view(jobId).orElseThrow();
                assertEquals("COMPLETED", job.state(), job.reason());
                assertEquals(2, job.rounds().size());
                for (JobViews.RoundView r : job.rounds()) assertEquals(2, r.replied());
                Patience.await().until(() -> c.latestAcks(jobId).size() == 2);
                for (DeploymentAck a : c.latestAcks(jobId).values()) assertTrue(a.applied(), a.error());

                // the devices' update blobs are on the uploads topic, which the coordinator read and no device may
                String uploads = Topics.defaults().name(Topic.UPLOADS);
                KafkaClients coordinatorClients = KafkaClients.configure(broker.bootstrapServers(), creds.coordinatorProperties());
                try (var read = coordinatorClients.assignedConsumer(uploads, "it-coordinator-uploads", KafkaClients.Start.BEGINNING)) {
                    long chunks = read.endOffsets(read.assignment()).values().stream().mapToLong(Long::longValue).sum();
                    assertTrue(chunks >= 4, "2 rounds x 2 devices uploaded their logits: " + chunks + " chunks");
                }
                KafkaClients agentClients = KafkaClients.configure(broker.bootstrapServers(), creds.agentProperties());
                try (var read = agentClients.assignedConsumer(uploads, "it-device-uploads", KafkaClients.Start.BEGINNING)) {
                    assertThrows(TopicAuthorizationException.class, () -> read.poll(Patience.STEP), "a device cannot read another device's upload");
                }
                // an agent's credentials cannot publish a round start
                Exception refused = send(broker, creds.agentProperties(), Topic.ROUNDS);
                assertInstanceOf(TopicAuthorizationException.class, refused, String.valueOf(refused));
                // wrong credentials are refused at login
                Exception login = send(broker, FleetSecurity.scramClient(creds.coordinatorUser(), "wrong"), Topic.DEVICES);
                assertInstanceOf(SaslAuthenticationException.class, login, String.valueOf(login));
            }
        }
    }

    private static Exception send(EmbeddedBroker broker, Map<String, String> props, Topic topic) {
        return SendProbe.send(KafkaClients.configure(broker.bootstrapServers(), props), Topics.defaults().name(topic));
    }
}
