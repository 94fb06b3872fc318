package io.fedprune.coordinator;

import io.fedprune.agent.Agent;
import io.fedprune.agent.AgentHub;
import io.fedprune.agent.PartitionSpec;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.coordinator.job.JobViews;
import io.fedprune.data.Mnist;
import io.fedprune.kafka.EmbeddedBroker;
import io.fedprune.model.Model;
import io.fedprune.model.ModelFile;
import io.fedprune.model.Network;
import io.fedprune.wire.Budget;
import io.fedprune.wire.DeploymentAck;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real federated run in one JVM (embedded broker, coordinator node, a fleet of agents on a Dirichlet split) that
 * prints per-round metrics and the final tiers. Not a test; run it with the test class path:
 * {@code java --add-modules jdk.incubator.vector -cp ... io.fedprune.coordinator.FleetRun DATA_DIR [rounds] [fusion] [seed]
 * [serverOptimizer] [serverLr] [devices]}.
 */
public final class FleetRun {
    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        String fusion = args.length > 2 ? args[2] : "RANK";
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 1;
        String optimizer = args.length > 4 ? args[4] : "NONE";
        double serverLr = args.length > 5 ? Double.parseDouble(args[5]) : 1.0;
        int devices = args.length > 6 ? Integer.parseInt(args[6]) : 10;
        double[] ten = {0.05, 0.05, 0.05, 0.1, 0.1, 0.1, 0.1, 0.25, 0.25, 0.25};
        double[] budgets = new double[devices];
        for (int i = 0; i < devices; i++) budgets[i] = ten[i * ten.length / devices];
        Path work = Files.createDirectories(Path.of("work/fleet-run"));
        Mnist.Split mnist = Mnist.load(data);
        long t0 = System.nanoTime();
        try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Config.defaults());
             CoordinatorNode node = CoordinatorNode.start(CoordinatorConfig.defaults().withBootstrapServers(broker.bootstrapServers())
                     .withDataDir(data.toString()).withWorkDir(work.toString()));
             AgentHub hub = AgentHub.start(AgentHub.Config.defaults(broker.bootstrapServers()).withHeartbeatMs(1000))) {
            for (int i = 0; i < budgets.length; i++) {
                PartitionSpec part = PartitionSpec.parse("dirichlet:0.5:" + i + "/" + budgets.length + ":1234");
                hub.add(new Agent(new Agent.Settings("dev-" + i, Budget.ofKeep(budgets[i]), part.apply(mnist.train()),
                        part.applyTest(mnist.train(), mnist.test()), null)));
            }
            Coordinator c = node.coordinator();
            while (c.devices().stream().filter(JobViews.DeviceView::alive).count() < budgets.length) Thread.sleep(100);
            JobSpec spec = new JobSpec(null, "lenet300", 10, 0, null, null, null, List.of(0.05, 0.1, 0.25), 0.25, rounds,
                    0, 1.0, 600_000L, 1, 0.1, 128, 5.0, 0.5, 1e-3, 1.0, "FLOAT32", fusion, "SQRT_SAMPLES", 0.1, optimizer, serverLr, seed);
            String id = c.submit(spec).id();
            int printed = 0;
            while (c.view(id).orElseThrow().state().equals("RUNNING")) {
                List<JobViews.RoundView> rs = c.view(id).orElseThrow().rounds();
                for (; printed < rs.size(); printed++) print(rs.get(printed));
                Thread.sleep(200);
            }
            JobViews.JobView job = c.view(id).orElseThrow();
            for (; printed < job.rounds().size(); printed++) print(job.rounds().get(printed));
            Model dense = ModelFile.read(work.resolve("models/lenet300-e10-n0-s" + seed + ".model"));
            System.out.printf("job %s %s; dense accuracy %.4f%n", id, job.state(), Network.of(dense).evaluate(mnist.test()).accuracy());
            long deadline = System.currentTimeMillis() + 60_000;
            while (c.latestAcks(id).size() < budgets.length && System.currentTimeMillis() < deadline) Thread.sleep(200);
            for (JobViews.DeploymentView d : job.deployments())
                System.out.printf("tier %s k=%s accuracy %.4f artifact %s (%d bytes)%n", d.tier(), d.k(), d.accuracy(), d.artifact(),
                        Files.size(Path.of(d.artifact())));
            for (Map.Entry<String, DeploymentAck> a : c.latestAcks(id).entrySet())
                System.out.printf("ack %s: %s applied=%s local accuracy %.4f on %d images%n", a.getKey(), a.getValue().tier(),
                        a.getValue().applied(), a.getValue().localAccuracy(), a.getValue().evalSamples());
            Runtime rt = Runtime.getRuntime();
            rt.gc();
            System.out.printf("wall time %.1f s, uplink %d bytes, JVM heap used after GC %d MB (whole JVM: broker, coordinator, agents)%n",
                    (System.nanoTime() - t0) / 1e9, hub.uplinkBytes(), (rt.totalMemory() - rt.freeMemory()) >> 20);
        }
    }

    private static void print(JobViews.RoundView r) {
        List<String> tiers = new ArrayList<>();
        for (JobViews.TierView t : r.tiers()) tiers.add(String.format("%s=%.4f", t.tier(), t.accuracy()));
        System.out.printf("round %d: replied %d/%d, %d ms (train max %d ms), logits change %.4f, mask similarity %.3f, %s%n",
                r.round(), r.replied(), r.selected(), r.durationMs(), r.trainMsMax(), r.metrics().get("logits_change"),
                r.metrics().get("mask_similarity"), tiers);
    }
}
