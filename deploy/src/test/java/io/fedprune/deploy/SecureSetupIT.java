package io.fedprune.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedprune.Patience;
import io.fedprune.agent.Agent;
import io.fedprune.agent.AgentHub;
import io.fedprune.agent.Enrolment;
import io.fedprune.agent.PartitionSpec;
import io.fedprune.coordinator.Application;
import io.fedprune.data.Mnist;
import io.fedprune.data.TestData;
import io.fedprune.deploy.fault.ChildProcess;
import io.fedprune.kafka.KafkaClients;
import io.fedprune.kafka.SendProbe;
import io.fedprune.kafka.Topic;
import io.fedprune.kafka.Topics;
import io.fedprune.wire.Budget;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The secured setup of docs/SECURITY.md end to end, as an operator runs it: {@code ./fedprune broker --secure}
 * ({@link BrokerMain} in-process, Kafka's own KRaft server with SASL and ACLs), the coordinator started from its
 * command line with {@code --kafka-config coordinator.properties} and an API token, two agents that enrol over HTTP
 * with one-time enrolment tokens and log in with {@code agent.properties}; a job created through the API with the
 * token completes with both agents in every round. The broker refuses a wrong password and an agent's user writing a
 * round start; a restart keeps the users, passwords and client settings.
 */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
class SecureSetupIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String TOKEN = "secure-setup-operator-token";

    @Test
    void brokerSecureCoordinatorWithTokenAndAgentsEnrolledOverHttpRunAJob(@TempDir Path tmp) throws Exception {
        int port = ChildProcess.freePorts(2);
        String[] brokerArgs = {"--data-dir", tmp.resolve("broker").toString(), "--port", String.valueOf(port), "--secure"};
        BrokerMain broker = new BrokerMain();
        new CommandLine(broker).parseArgs(brokerArgs);
        String agentSettings;
        try (BrokerMain.Started started = broker.start()) {
            String bootstrap = started.cluster().bootstrapServers();
            Map<String, Path> files = started.clientSettings();
            for (Path f : files.values())
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f + " is owner-only");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("broker").resolve(BrokerMain.SECRETS_FILE))));
            agentSettings = Files.readString(files.get("agent"));
            Map<String, String> agentProperties = KafkaClients.properties(files.get("agent"), List.of());

            // the coordinator as ./fedprune coordinator --bootstrap B --kafka-config coordinator.properties starts it
            Application cli = new Application();
            new CommandLine(cli).parseArgs("--bootstrap", bootstrap, "--kafka-config", files.get("coordinator").toString(),
                    "--host", "127.0.0.1", "--port", "0");
            Map<String, Object> props = new LinkedHashMap<>(cli.properties());
            assertTrue(String.valueOf(props.get("fedprune.kafka.sasl.jaas.config")).contains("fedprune-coordinator"), props.keySet().toString());
            props.put("micronaut.server.port", -1);
            props.put("fedprune.api.token", TOKEN);
            props.put("fedprune.coordinator.data-dir", TestData.mnistMini().toString());
            props.put("fedprune.coordinator.work-dir", tmp.resolve("coordinator").toString());
            Mnist.Split mini = Mnist.load(TestData.mnistMini());
            List<AgentHub> hubs = new ArrayList<>();
            try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props)) {
                String api = server.getURL() + "/";
                double[] budgets = {0.1, 0.25};
                try {
                    for (int i = 0; i < budgets.length; i++) {   // each agent as its own process would: its own hub, its own token
                        HttpResponse<String> issued = post(api + "enrolment-tokens", "", TOKEN);
                        assertEquals(201, issued.statusCode(), issued.body());
                        String enrolmentToken = JSON.readTree(issued.body()).path("token").asText();
                        AgentHub hub = AgentHub.start(AgentHub.Config.defaults(bootstrap).withHeartbeatMs(500).withKafkaProperties(agentProperties),
                                Enrolment.http(URI.create(api), enrolmentToken));
                        hubs.add(hub);
                        PartitionSpec part = PartitionSpec.parse("iid:" + i + "/2:3");
                        hub.add(new Agent(new Agent.Settings("secure-" + i, Budget.ofKeep(budgets[i]), part.apply(mini.train()),
                                part.applyTest(mini.train(), mini.test()), null)));
                    }
                    Patience.await().until(() -> JSON.readTree(get(api + "devices").body()).size() == 2);

                    assertEquals(401, post(api + "jobs", "{}", null).statusCode(), "a job without the operator's token");
                    HttpResponse<String> created = post(api + "jobs", "{\"rounds\": 2, \"pretrainEpochs\": 1, \"tiers\": [0.1, 0.25],"
                            + " \"roundDeadlineMs\": 1800000, \"batchSize\": 64, \"seed\": 7}", TOKEN);
                    assertEquals(201, created.statusCode(), created.body());
                    String id = JSON.readTree(created.body()).path("id").asText();
                    Patience.await().pollInterval(Duration.ofMillis(500)).until(() ->
                            !List.of("PENDING", "RUNNING").contains(JSON.readTree(get(api + "jobs/" + id).body()).path("state").asText()));
                    JsonNode job = JSON.readTree(get(api + "jobs/" + id).body());
                    assertEquals("COMPLETED", job.path("state").asText(), job.toString());
                    assertEquals(2, job.path("rounds").size(), job.toString());
                    for (JsonNode r : job.path("rounds")) assertEquals(2, r.path("replied").asInt(), "both agents in round " + r);
                } finally {
                    for (AgentHub h : hubs) h.close();
                }
            }

            // the broker, not the coordinator, refuses an agent's user writing a round start, and a wrong password
            Exception refused = send(bootstrap, agentProperties, Topic.ROUNDS);
            assertInstanceOf(TopicAuthorizationException.class, refused, String.valueOf(refused));
            Map<String, String> wrong = new LinkedHashMap<>(agentProperties);
            wrong.put("sasl.jaas.config", agentProperties.get("sasl.jaas.config").replaceAll("password=\"[^\"]*\"", "password=\"wrong\""));
            Exception login = send(bootstrap, wrong, Topic.DEVICES);
            assertInstanceOf(SaslAuthenticationException.class, login, String.valueOf(login));
            assertNull(send(bootstrap, agentProperties, Topic.DEVICES), "the agents' user may write hellos");
        }

        // restartable: the same data directory keeps the users, their passwords and the client settings
        BrokerMain again = new BrokerMain();
        new CommandLine(again).parseArgs(brokerArgs);
        try (BrokerMain.Started started = again.start()) {
            assertTrue(started.running().formatted().isEmpty(), "storage kept");
            Path agentFile = started.clientSettings().get("agent");
            assertEquals(agentSettings.lines().filter(l -> !l.startsWith("#")).sorted().toList(),
                    Files.readString(agentFile).lines().filter(l -> !l.startsWith("#")).sorted().toList());
            assertNull(send(started.cluster().bootstrapServers(), KafkaClients.properties(agentFile, List.of()), Topic.DEVICES));
        }
    }

    static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String url, String json, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (bearer != null) b.header("Authorization", "Bearer " + bearer);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends one record; the exception the broker answered with, or null if it was accepted. */
    static Exception send(String bootstrap, Map<String, String> props, Topic topic) {
        return SendProbe.send(KafkaClients.configure(bootstrap, props), Topics.defaults().name(topic));
    }
}
