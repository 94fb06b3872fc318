package io.fedprune.deploy.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedprune.Patience;
import io.fedprune.agent.Agent;
import io.fedprune.agent.AgentHub;
import io.fedprune.agent.Enrolment;
import io.fedprune.agent.PartitionSpec;
import io.fedprune.coordinator.Application;
import io.fedprune.coordinator.CoordinatorNode;
import io.fedprune.coordinator.fleet.CoordinatorKey;
import io.fedprune.coordinator.fleet.DeviceKeys;
import io.fedprune.data.Mnist;
import io.fedprune.data.TestData;
import io.fedprune.kafka.EmbeddedBroker;
import io.fedprune.runtime.TierMasks;
import io.fedprune.wire.Budget;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The coordinator as an operator runs it (its main class in a child process, driven over its REST API), killed with
 * kill -9: at 10 seeded moments of one job (in rounds after 0-3 of the 4 updates, and during the deployment), each
 * time started again; and, with failover on, the leader of two killed mid-round while the standby takes over. Every
 * time the job completes with tier masks bit-identical to the same seeded job without a fault, each round counted once.
 */
@Tag("fault")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
class CoordinatorKillIT {
    static final int ROUNDS = 3, KILLS = 10;
    static final double[] BUDGETS = {0.1, 0.1, 0.25, 0.25};
    static final List<String> TIERS = List.of("keep-0.1", "keep-0.25");
    static final String TOKEN = "kill-it-token";
    static final String JOB = "{\"pretrainEpochs\": 3, \"tiers\": [0.1, 0.25], \"rounds\": 3, \"roundDeadlineMs\": 1800000,"
            + " \"learningRate\": 0.1, \"batchSize\": 64, \"seed\": 7}";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    /** A coordinator process on {@code port}. */
    record Coordinator(ChildProcess process, String url) implements AutoCloseable {
        JsonNode job(String id) throws Exception {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/jobs/" + id)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            return JSON.readTree(r.body());
        }

        /** Whether the job's view satisfies {@code p}; false while the process does not answer. */
        boolean jobIs(String id, Predicate<JsonNode> p) {
            try {
                return p.test(job(id));
            } catch (IOException e) {
                return false;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        String submit() throws Exception {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/jobs")).header("Authorization", "Bearer " + TOKEN)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JOB)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, r.statusCode(), r.body());
            return JSON.readTree(r.body()).path("id").asText();
        }

        boolean leading() {
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create(url + "/leader")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        }

        /** Per tier and layer, the tier's weight mask, from the artifact the REST API serves. */
        Map<String, float[]> masks(String id) throws Exception {
            Map<String, float[]> out = new TreeMap<>();
            for (String tier : TIERS) {
                HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/jobs/" + id + "/deployments/" + tier)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, r.statusCode());
                TierMasks.add(out, tier, r.body());
            }
            return out;
        }

        @Override
        public void close() throws Exception {
            process.close();
        }
    }

    static Coordinator start(Path dir, String name, String bootstrap, String prefix, int port, Map<String, String> more) throws Exception {
        Map<String, String> env = new TreeMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap, "FEDPRUNE_COORDINATOR_TOPIC_PREFIX", prefix,
                "FEDPRUNE_COORDINATOR_DATA_DIR", TestData.mnistMini().toString(), "FEDPRUNE_COORDINATOR_WORK_DIR", dir.resolve("work").toString(),
                "FEDPRUNE_API_TOKEN", TOKEN));
        env.putAll(more);
        ChildProcess p = ChildProcess.start(name, Application.class, List.of("-Xmx1g"), env, dir.resolve("logs/" + name + ".log"),
                "--port", String.valueOf(port));
        p.await(l -> l.contains("coordinator listening"));
        return new Coordinator(p, "http://127.0.0.1:" + port);
    }

    /** Agents in this JVM, enrolled through the operator's key list in the coordinators' work directory. */
    static AgentHub agents(Path dir, String bootstrap, String prefix, Mnist.Split mini) {
        Path work = dir.resolve("work");
        Enrolment keyList = (id, key) -> {
            new DeviceKeys(work.resolve(CoordinatorNode.DEVICE_KEYS_FILE)).enrol(id, key, true);
            return CoordinatorKey.loadOrCreate(work.resolve(CoordinatorNode.COORDINATOR_KEY_FILE)).getPublic();
        };
        AgentHub hub = AgentHub.start(AgentHub.Config.defaults(bootstrap).withTopicPrefix(prefix).withHeartbeatMs(500), keyList);
        for (int i = 0; i < BUDGETS.length; i++) {
            PartitionSpec part = PartitionSpec.parse("iid:" + i + "/" + BUDGETS.length + ":3");
            hub.add(new Agent(new Agent.Settings("agent-" + i, Budget.ofKeep(BUDGETS[i]), part.apply(mini.train()),
                    part.applyTest(mini.train(), mini.test()), null)));
        }
        return hub;
    }

    static boolean ended(JsonNode job) {
        String s = job.path("state").asText();
        return !s.equals("RUNNING") && !s.equals("PENDING");
    }

    static void assertCompletedLike(Coordinator c, String id, Map<String, float[]> clean, Object context) throws Exception {
        JsonNode done = c.job(id);
        assertEquals("COMPLETED", done.path("state").asText(), done.path("reason").asText() + "; " + context);
        assertEquals(ROUNDS, done.path("rounds").size(), "each round counted once; " + context);
        TierMasks.assertIdentical(clean, c.masks(id), context);
    }

    @Test
    void killedAtTenSeededMomentsAndAsTheLeaderOfTwoTheJobCompletesWithIdenticalMasks(@TempDir Path dir) throws Exception {
        Mnist.Split mini = Mnist.load(TestData.mnistMini());
        int port = ChildProcess.freePorts(2);
        try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Config.defaults())) {
            String bootstrap = broker.bootstrapServers();
            Map<String, float[]> clean;
            try (AgentHub hub = agents(dir, bootstrap, "clean.", mini);
                 Coordinator c = start(dir, "clean", bootstrap, "clean.", port, Map.of())) {
                String id = c.submit();
                Patience.await().until(() -> c.jobIs(id, CoordinatorKillIT::ended));
                clean = c.masks(id);
            }

            // 10 seeded moments in job order: in round p after k of its 4 updates, or (p = ROUNDS + 1) in the deployment
            Random seeded = new Random(13);
            int[][] moment = new int[KILLS][];
            for (int i = 0; i < KILLS; i++) moment[i] = new int[]{1 + seeded.nextInt(ROUNDS + 1), seeded.nextInt(4)};
            Arrays.sort(moment, Comparator.<int[]>comparingInt(m -> m[0]).thenComparingInt(m -> m[1]));
            List<String> killedAt = new ArrayList<>();
            try (AgentHub hub = agents(dir, bootstrap, "kill.", mini)) {
                Coordinator c = start(dir, "kill-0", bootstrap, "kill.", port, Map.of());
                try {
                    String id = c.submit();
                    for (int kill = 0; kill < KILLS; kill++) {
                        Coordinator now = c;
                        int p = moment[kill][0], k = moment[kill][1];
                        Patience.await().pollInterval(java.time.Duration.ofMillis(20)).until(() -> now.jobIs(id, v -> p <= ROUNDS
                                ? v.path("rounds").size() >= p || v.path("progress").path("round").asInt() > p
                                        || v.path("progress").path("round").asInt() == p && v.path("progress").path("replied").asInt() >= k
                                : v.path("rounds").size() == ROUNDS));
                        JsonNode v = c.job(id);
                        killedAt.add("round " + v.path("progress").path("round").asInt() + " with " + v.path("progress").path("replied").asInt()
                                + " updates after " + v.path("rounds").size() + " rounds, " + v.path("deployments").size() + " tiers");
                        c.process().kill();                                     // kill -9
                        c.close();
                        c = start(dir, "kill-" + (kill + 1), bootstrap, "kill.", port, Map.of());
                    }
                    Coordinator last = c;
                    Patience.await().until(() -> last.jobIs(id, CoordinatorKillIT::ended));
                    assertCompletedLike(last, id, clean, "killed at " + killedAt);
                    System.out.println("CoordinatorKillIT: killed at " + killedAt);
                } finally {
                    c.close();
                }
            }

            // two coordinators with failover: the leader is killed in round 2, the standby completes the job
            Map<String, String> failover = Map.of("FEDPRUNE_COORDINATOR_FAILOVER_ENABLED", "true", "FEDPRUNE_COORDINATOR_FAILOVER_SESSION_TIMEOUT_MS", "6000");
            try (AgentHub hub = agents(dir, bootstrap, "failover.", mini);
                 Coordinator a = start(dir, "coordinator-a", bootstrap, "failover.", port,
                         merged(failover, "FEDPRUNE_COORDINATOR_FAILOVER_INSTANCE_ID", "coordinator-a"))) {
                Patience.await().until(a::leading);
                try (Coordinator b = start(dir, "coordinator-b", bootstrap, "failover.", port + 1,
                        merged(failover, "FEDPRUNE_COORDINATOR_FAILOVER_INSTANCE_ID", "coordinator-b"))) {
                    assertFalse(b.leading(), "one leader at a time");
                    String id = a.submit();
                    Patience.await().until(() -> a.jobIs(id, v -> v.path("progress").path("round").asInt() == 2
                            && v.path("progress").path("replied").asInt() >= 1));
                    a.process().kill();                                         // kill -9 of the leader
                    Patience.await().until(b::leading);
                    Patience.await().until(() -> b.jobIs(id, CoordinatorKillIT::ended));
                    assertCompletedLike(b, id, clean, "after failover");
                }
            }
        }
    }

    static Map<String, String> merged(Map<String, String> base, String key, String value) {
        Map<String, String> m = new TreeMap<>(base);
        m.put(key, value);
        return m;
    }
}
