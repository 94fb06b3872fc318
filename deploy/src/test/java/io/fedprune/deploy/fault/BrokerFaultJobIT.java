package io.fedprune.deploy.fault;

import io.fedprune.Patience;
import io.fedprune.agent.Agent;
import io.fedprune.agent.AgentHub;
import io.fedprune.agent.PartitionSpec;
import io.fedprune.coordinator.Coordinator;
import io.fedprune.coordinator.CoordinatorConfig;
import io.fedprune.coordinator.CoordinatorNode;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.coordinator.job.JobViews;
import io.fedprune.data.Mnist;
import io.fedprune.data.TestData;
import io.fedprune.runtime.TierMasks;
import io.fedprune.wire.Budget;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A job on {@code ./fedprune broker} (a child process with its data directory and port) while the broker is killed
 * with kill -9 in round 1 and stopped with SIGTERM in round 2, each time started again on the same data and port:
 * the coordinator and the agents (in this JVM) ride it out and the job completes with tier masks bit-identical to the
 * same seeded job on the same broker without a fault. And a job on a three-broker cluster (topics with replication
 * factor 3) that loses one broker (kill -9) in round 1 completes with the masks of the same job without the loss.
 */
@Tag("fault")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
class BrokerFaultJobIT {
    static final int ROUNDS = 3;
    static final double[] BUDGETS = {0.1, 0.1, 0.25, 0.25};
    static final List<String> TIERS = List.of("keep-0.1", "keep-0.25");

    /** What happens to the broker once a round has its first update. */
    interface Fault {
        void inRound(int round) throws Exception;
    }

    @Test
    void aJobSurvivesTheBrokerKilledAndStoppedMidRoundWithIdenticalMasks(@TempDir Path dir) throws Exception {
        int port = ChildProcess.freePorts(2);
        String[] args = {"--data-dir", dir.resolve("kafka").toString(), "--port", String.valueOf(port)};
        String bootstrap = "127.0.0.1:" + port;
        Mnist.Split mini = Mnist.load(TestData.mnistMini());
        ChildProcess[] broker = {BrokerRestartIT.broker(dir, "broker-1", args)};
        try {
            Map<String, float[]> clean = run(bootstrap, 1, dir, "clean.", mini, round -> { });
            Map<String, float[]> faulted = run(bootstrap, 1, dir, "fault.", mini, round -> {
                if (round == 1) {
                    broker[0].kill();                                           // kill -9
                    broker[0].close();
                    broker[0] = BrokerRestartIT.broker(dir, "broker-2", args);
                } else if (round == 2) {
                    assertEquals(128 + 15, broker[0].terminate(Patience.STEP.toSeconds()));   // SIGTERM
                    broker[0].close();
                    broker[0] = BrokerRestartIT.broker(dir, "broker-3", args);
                }
            });
            TierMasks.assertIdentical(clean, faulted, "broker fault");
        } finally {
            broker[0].close();
        }
    }

    @Test
    void aJobSurvivesLosingOneOfThreeBrokersWithIdenticalMasks(@TempDir Path dir) throws Exception {
        int port = ChildProcess.freePorts(6);
        Mnist.Split mini = Mnist.load(TestData.mnistMini());
        List<ChildProcess> nodes = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 3; i++)
                nodes.add(ChildProcess.start("node-" + i, io.fedprune.deploy.BrokerMain.class, List.of(), Map.of(),
                        dir.resolve("logs/node-" + i + ".log"), "--data-dir", dir.resolve("kafka").toString(), "--port", String.valueOf(port),
                        "--nodes", "3", "--node-id", String.valueOf(i)));
            String bootstrap = "";
            for (ChildProcess p : nodes) bootstrap = p.await(l -> l.startsWith("bootstrap: ")).substring("bootstrap: ".length());
            String all = bootstrap;
            // topics with replication factor 3 and min.insync.replicas 2, as in production
            Map<String, float[]> clean = run(all, 3, dir, "clean.", mini, round -> { });
            Map<String, float[]> faulted = run(all, 3, dir, "fault.", mini, round -> {
                if (round == 1) nodes.get(2).kill();                            // kill -9 of one of the three, for good
            });
            TierMasks.assertIdentical(clean, faulted, "broker fault");
        } finally {
            for (ChildProcess p : nodes) p.close();
        }
    }

    /** Runs the seeded job under {@code prefix} (topics with {@code rf} replicas); returns per tier and layer the weight mask. */
    static Map<String, float[]> run(String bootstrap, int rf, Path dir, String prefix, Mnist.Split mini, Fault fault) throws Exception {
        try (CoordinatorNode node = CoordinatorNode.start(CoordinatorConfig.builder().bootstrapServers(bootstrap).topicPrefix(prefix)
                .dataDir(TestData.mnistMini().toString()).workDir(dir.resolve("coordinator").toString())
                .topicReplication(rf, Math.min(rf, 2)).build());
             AgentHub hub = AgentHub.start(AgentHub.Config.defaults(bootstrap).withTopicPrefix(prefix).withHeartbeatMs(500), node::enrol)) {
            for (int i = 0; i < BUDGETS.length; i++) {
                PartitionSpec part = PartitionSpec.parse("iid:" + i + "/" + BUDGETS.length + ":3");
                hub.add(new Agent(new Agent.Settings("agent-" + i, Budget.ofKeep(BUDGETS[i]), part.apply(mini.train()),
                        part.applyTest(mini.train(), mini.test()), null)));
            }
            Coordinator c = node.coordinator();
            Patience.await().until(() -> c.devices().stream().filter(JobViews.DeviceView::alive).count() == BUDGETS.length);
            String id = c.submit(JobSpec.builder().pretrainEpochs(3).tiers(List.of(0.1, 0.25)).rounds(ROUNDS).roundDeadlineMs(1_800_000L)
                    .learningRate(0.1).batchSize(64).seed(7).build("it").toRequest()).id();
            for (int r = 1; r <= 2; r++) {
                int round = r;
                Patience.await().until(() -> c.view(id).map(v -> v.progress() != null && v.progress().round() == round
                        && v.progress().replied() >= 1).orElse(false));
                fault.inRound(round);
            }
            Patience.await().until(() -> c.view(id).map(v -> !v.state().equals("RUNNING") && !v.state().equals("PENDING")).orElse(false));
            JobViews.JobView done = c.view(id).orElseThrow();
            assertEquals("COMPLETED", done.state(), done.reason());
            assertEquals(ROUNDS, done.rounds().size());
            Map<String, float[]> out = new TreeMap<>();
            for (String tier : TIERS) TierMasks.add(out, tier, c.artifact(id, tier).orElseThrow());
            return out;
        }
    }
}
