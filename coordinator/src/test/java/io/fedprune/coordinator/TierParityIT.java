package io.fedprune.coordinator;

import io.fedprune.Patience;
import io.fedprune.agent.AgentHub;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.coordinator.job.JobViews;
import io.fedprune.data.Dataset;
import io.fedprune.data.ImageData;
import io.fedprune.data.TestData;
import io.fedprune.dpp.Granularity;
import io.fedprune.model.Graph;
import io.fedprune.model.ModelArch;
import io.fedprune.model.Network;
import io.fedprune.model.Preprocessing;
import io.fedprune.onnx.OrtRun;
import io.fedprune.runtime.CompactNetwork;
import io.fedprune.runtime.TierCompiler;
import io.fedprune.runtime.TierFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every tier a job deploys runs the same in three implementations: the device's compact runtime (kept values and
 * indices, FILTER layers physically smaller), the masked dense model (the coordinator's evaluation), and ONNX Runtime
 * on the tier's ONNX export (the independent reference): class scores within 1e-4 on the test images, and each one's
 * accuracy on the held-out split equal to the one the coordinator reported. For a LeNet-5 job here, and for the
 * imported CNN job of {@link ImportedModelIT} there.
 */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
@ExtendWith(FleetFixture.class)
class TierParityIT {
    /** Test images whose class scores are compared one by one (all of them count for the accuracy). */
    static final int COMPARED = 300;

    @Test
    void everyTierOfALeNet5JobGivesTheSameScoresInTheCompactRuntimeTheMaskedModelAndOnnxRuntime() throws Exception {
        // every granularity: conv1 WEIGHT, conv2 KERNEL, fc1 FILTER (its neurons removed in the export), fc2 WEIGHT
        List<JobSpec.LayerPlan> layers = List.of(new JobSpec.LayerPlan("conv1", Granularity.WEIGHT),
                new JobSpec.LayerPlan("conv2", Granularity.KERNEL), new JobSpec.LayerPlan("fc1", Granularity.FILTER),
                new JobSpec.LayerPlan("fc2", Granularity.WEIGHT));
        var request = JobSpec.builder().arch(ModelArch.LENET5).pretrainEpochs(1).layers(layers).tiers(List.of(0.1, 0.25)).rounds(1)
                .roundDeadlineMs(1_800_000L).batchSize(64).seed(11).build("parity").toRequest();
        try (CoordinatorNode node = CoordinatorNode.start(FleetFixture.config("parity."));
             AgentHub hub = FleetFixture.agents("parity.", node::enrol)) {
            Coordinator c = node.coordinator();
            Patience.await().until(() -> c.devices().stream().filter(JobViews.DeviceView::alive).count() == FleetFixture.BUDGETS.length);
            String jobId = c.submit(request).id();
            Patience.await().until(() -> !c.view(jobId).orElseThrow().state().equals("RUNNING"));
            assertEquals("COMPLETED", c.view(jobId).orElseThrow().state(), c.view(jobId).orElseThrow().reason());
            assertTiersAgree(c, jobId, ModelArch.LENET5.graph(), ImageData.load(TestData.mnistMini()).test());
        }
    }

    /**
     * Checks every deployed tier of a completed job: the artifact read against {@code graph}, its three implementations
     * compared on the first {@link #COMPARED} of {@code rawTest}'s images (preprocessed as the graph declares), and
     * their accuracies on all of them against the coordinator's report (it evaluates on the whole test split).
     */
    static void assertTiersAgree(Coordinator c, String jobId, Graph graph, Dataset rawTest) throws Exception {
        Preprocessing p = graph.preprocessing();
        Dataset test = rawTest.normalized(p.scale(), p.mean(), p.std());
        Dataset compared = test.head(COMPARED);
        JobViews.JobView v = c.view(jobId).orElseThrow();
        assertFalse(v.deployments().isEmpty(), "no tier deployed");
        for (JobViews.DeploymentView d : v.deployments()) {
            TierFile t = TierFile.read(c.artifact(jobId, d.tier()).orElseThrow(), Map.of(), graph);
            Network masked = Network.of(t.model());   // pruned weights are 0 in the file's model
            CompactNetwork compact = t.compile(TierCompiler.Form.COMPACT);
            byte[] onnx = c.onnx(jobId, d.tier()).orElseThrow();

            float[] m = masked.logits(compared.x(), 0, compared.n());
            float[] k = compact.forward(compared.x(), 0, compared.n());
            float[] o = OrtRun.run(onnx, graph, compared.x());
            assertEquals(compared.n() * graph.classes(), m.length);
            assertClose(m, k, d.tier() + ": compact runtime vs masked dense model");
            assertClose(m, o, d.tier() + ": ONNX Runtime on the export vs masked dense model");

            double reported = d.accuracy();
            assertEquals(reported, masked.evaluate(test).accuracy(), 1e-12, d.tier() + ": masked dense model");
            assertEquals(reported, compact.accuracy(test, Network.EVAL_BATCH), 1e-12, d.tier() + ": compact runtime");
            assertEquals(reported, accuracy(OrtRun.run(onnx, graph, test.x()), test), 1e-12, d.tier() + ": ONNX Runtime");
        }
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        assertTrue(worst <= 1e-4, what + ": largest difference of a class score " + worst);
    }

    private static double accuracy(float[] scores, Dataset d) {
        int classes = scores.length / d.n(), right = 0;
        for (int i = 0; i < d.n(); i++) if (CompactNetwork.argMax(scores, i * classes, classes) == d.y()[i]) right++;
        return right / (double) d.n();
    }
}
