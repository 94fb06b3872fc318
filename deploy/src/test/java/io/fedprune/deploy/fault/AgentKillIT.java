package io.fedprune.deploy.fault;

import io.fedprune.kafka.SharedBroker;
import org.junit.jupiter.api.extension.ExtendWith;
import io.fedprune.Patience;
import io.fedprune.agent.Agent;
import io.fedprune.agent.AgentHub;
import io.fedprune.agent.AgentMain;
import io.fedprune.agent.DeviceIdentity;
import io.fedprune.agent.PartitionSpec;
import io.fedprune.coordinator.Coordinator;
import io.fedprune.coordinator.CoordinatorConfig;
import io.fedprune.coordinator.CoordinatorNode;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.coordinator.job.JobViews;
import io.fedprune.data.Mnist;
import io.fedprune.data.TestData;
import io.fedprune.kafka.EmbeddedBroker;
import io.fedprune.wire.Budget;
import io.fedprune.wire.Signatures;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * 30% of a fleet killed mid-round (kill -9 of three of ten agents, each a process of its own, while they train):
 * the round closes at its deadline with the seven replies, names the three dropped devices, and the job completes
 * without them.
 */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
@ExtendWith(SharedBroker.class)
class AgentKillIT {
    static final int FLEET = 10, KILLED = 3;
    static final long DEADLINE_MS = 60_000;

    @Test
    void killedAgentsAreDroppedAtTheDeadlineAndNamedAndTheJobCompletes(EmbeddedBroker broker) throws Exception {
        Path tmp = Files.createTempDirectory("fedprune-agent-kill");
        Mnist.Split mini = Mnist.load(TestData.mnistMini());
        String prefix = "agent-kill.";
        List<ChildProcess> children = new ArrayList<>();
        try (CoordinatorNode node = CoordinatorNode.start(CoordinatorConfig.builder().bootstrapServers(broker.bootstrapServers())
                     .topicPrefix(prefix).dataDir(TestData.mnistMini().toString()).workDir(tmp.resolve("coordinator").toString())
                     .deviceLiveMs(20_000).build());
             AgentHub hub = AgentHub.start(AgentHub.Config.defaults(broker.bootstrapServers()).withTopicPrefix(prefix).withHeartbeatMs(500), node::enrol)) {
            Coordinator c = node.coordinator();
            for (int i = KILLED; i < FLEET; i++) {
                PartitionSpec part = PartitionSpec.parse("iid:" + i + "/" + FLEET + ":3");
                hub.add(new Agent(new Agent.Settings("agent-" + i, Budget.ofKeep(0.25), part.apply(mini.train()),
                        part.applyTest(mini.train(), mini.test()), null)));
            }
            // the agents to be killed run as processes of their own, enrolled on the operator's authority beforehand
            for (int i = 0; i < KILLED; i++) {
                String id = "agent-" + i;
                Path agentWork = tmp.resolve(id);
                KeyPair keys = Signatures.generate();
                new DeviceIdentity(keys, node.enrol(id, keys.getPublic())).save(DeviceIdentity.file(agentWork, id));
                children.add(ChildProcess.start(id, AgentMain.class, List.of(), Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers()),
                        tmp.resolve(id + ".log"), "--device-id", id, "--budget", "0.25", "--data", TestData.mnistMini().toString(),
                        "--partition", "iid:" + i + "/" + FLEET + ":3", "--work-dir", agentWork.toString(), "--topic-prefix", prefix,
                        "--heartbeat-ms", "500"));
            }
            Patience.await().until(() -> c.devices().stream().filter(JobViews.DeviceView::alive).count() == FLEET);

            String job = c.submit(JobSpec.builder().pretrainEpochs(1).tiers(List.of(0.25)).rounds(2).roundDeadlineMs(DEADLINE_MS)
                    .learningRate(0.1).batchSize(64).seed(7).build("it").toRequest()).id();
            // kill -9 while they train round 1
            for (ChildProcess child : children) child.await(l -> l.contains("round 1 of " + job + ": training"));
            for (ChildProcess child : children) child.kill();

            Patience.await().until(() -> c.view(job).map(v -> !v.state().equals("RUNNING") && !v.state().equals("PENDING")).orElse(false));
            JobViews.JobView done = c.view(job).orElseThrow();
            assertEquals("COMPLETED", done.state(), done.reason());
            JobViews.RoundView first = done.rounds().get(0);
            assertEquals(FLEET, first.selected());
            // the killed are named; an agent of this JVM too slow for the deadline on a busy machine would be named as well
            assertTrue(first.dropped().containsAll(List.of("agent-0", "agent-1", "agent-2")), "the report names the killed devices: " + first.dropped());
            assertEquals(first.selected() - first.replied(), first.dropped().size(), first.dropped().toString());
            assertTrue(first.durationMs() >= DEADLINE_MS, "the round waited for its deadline: " + first.durationMs() + " ms");
            // by round 2 the killed devices are no longer alive (no heartbeat for device-live-ms) and not selected
            JobViews.RoundView second = done.rounds().get(1);
            assertEquals(FLEET - KILLED, second.selected(), "only the alive are selected");
            assertTrue(second.dropped().stream().noneMatch(List.of("agent-0", "agent-1", "agent-2")::contains), second.dropped().toString());
        } finally {
            for (ChildProcess child : children) child.close();
        }
    }
}
