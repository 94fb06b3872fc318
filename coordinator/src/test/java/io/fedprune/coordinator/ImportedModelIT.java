package io.fedprune.coordinator;

import io.fedprune.agent.Agent;
import io.fedprune.agent.AgentHub;
import io.fedprune.agent.PartitionSpec;
import io.fedprune.coordinator.job.InvalidFieldException;
import io.fedprune.coordinator.job.JobRequest;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.coordinator.job.JobViews;
import io.fedprune.data.Dataset;
import io.fedprune.data.ImageData;
import io.fedprune.data.TestData;
import io.fedprune.dpp.Granularity;
import io.fedprune.model.DenseConfig;
import io.fedprune.model.DenseTrainer;
import io.fedprune.model.Graph;
import io.fedprune.model.Layer;
import io.fedprune.model.Model;
import io.fedprune.model.Network;
import io.fedprune.model.Op;
import io.fedprune.model.Preprocessing;
import io.fedprune.onnx.OnnxExport;
import io.fedprune.onnx.OnnxImport;
import io.fedprune.runtime.LayerMask;
import io.fedprune.runtime.TierFile;
import io.fedprune.wire.Budget;
import io.fedprune.wire.DeploymentAck;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import io.fedprune.Patience;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A federated job on an imported ONNX model over a real (embedded) broker: a small CNN the agents have never seen (built
 * here, trained 3 epochs, exported to ONNX) is submitted as its file; the coordinator imports it and publishes it as an
 * ONNX blob; agents holding raw pixels fetch it, import it, preprocess their data as it declares and train it; an agent
 * whose max-params the model exceeds is not selected. Also: each bad model file is refused naming the problem.
 */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
@ExtendWith(FleetFixture.class)
class ImportedModelIT {
    static final List<Double> TIERS = List.of(0.25, 0.5);
    static ImageData raw;
    static byte[] onnx;

    /** conv 1->6 5x5 stride 2, ReLU, conv 6->12 3x3 stride 2, ReLU, flatten, dense 300->10: 5,380 parameters. */
    static Graph tinyCnn(int side) {
        int a = (side - 5) / 2 + 1, b = (a - 3) / 2 + 1;
        int[] none = new int[4];
        return new Graph("tiny-cnn", new int[]{1, side, side}, 10, Preprocessing.PIXEL_SCALE, List.of(
                new Op.Conv("conv1", "image", "c1", 1, 6, 5, 5, 2, 2, none, 1),
                Op.Activation.of(Op.Fn.RELU, "c1", "r1"),
                new Op.Conv("conv2", "r1", "c2", 6, 12, 3, 3, 2, 2, none, 1),
                Op.Activation.of(Op.Fn.RELU, "c2", "r2"),
                new Op.Flatten("r2", "flat"),
                new Op.Dense("fc", "flat", "logits", 12 * b * b, 10)), "image", "logits", Graph.Head.LOGITS);
    }

    @BeforeAll
    static void start() throws Exception {
        raw = ImageData.load(TestData.mnistMini());
        Preprocessing p = Preprocessing.PIXEL_SCALE;
        Dataset train = raw.train().normalized(p.scale(), p.mean(), p.std());
        Model trained = DenseTrainer.train(Model.init(tinyCnn(28), 3), train, null, DenseConfig.DEFAULTS.withEpochs(3), 3,
                io.fedprune.model.ProgressListener.NONE);
        onnx = OnnxExport.dense(trained);
    }

    /** The job: the convolutions at KERNEL, the output layer at WEIGHT, 2 rounds, tiers 25% and 50%. */
    static JobRequest job(Graph g) {
        List<JobSpec.LayerPlan> layers = new ArrayList<>();
        for (Layer l : g.layers()) layers.add(new JobSpec.LayerPlan(l.name(), l.isConv() ? Granularity.KERNEL : Granularity.WEIGHT));
        return JobSpec.builder().graph(g).layers(layers).tiers(TIERS).rounds(2).roundDeadlineMs(1_800_000L).batchSize(64)
                .seed(5).build("it").toRequest().withModelOnnx(onnx);
    }

    @Test
    void agentsThatNeverSawTheModelFetchItOverKafkaImportItAndTrainIt() throws Exception {
        Graph imported = OnnxImport.read(onnx, "tiny-cnn").graph();
        try (CoordinatorNode node = CoordinatorNode.start(FleetFixture.config("imported."));
             AgentHub hub = AgentHub.start(AgentHub.Config.defaults(FleetFixture.broker.bootstrapServers()).withTopicPrefix("imported.").withHeartbeatMs(500), node::enrol)) {
            for (int i = 0; i < 3; i++) {
                PartitionSpec part = PartitionSpec.parse("iid:" + i + "/3:3");
                // raw pixel values: each agent preprocesses them as the model it receives declares
                hub.add(new Agent(new Agent.Settings("agent-" + i, Budget.ofKeep(0.5), part.apply(raw.train()),
                        part.applyTest(raw.train(), raw.test()), null, 0, null)));
            }
            hub.add(new Agent(new Agent.Settings("tiny-device", Budget.ofKeep(0.5), raw.train().head(100), raw.test().head(100), null, 1000, null)));
            Coordinator c = node.coordinator();
            Patience.await().until(() -> c.devices().stream().filter(JobViews.DeviceView::alive).count() == 4);

            String jobId = c.submit(job(imported)).id();
            Patience.await().until(() -> !c.view(jobId).orElseThrow().state().equals("RUNNING"));
            JobViews.JobView v = c.view(jobId).orElseThrow();
            assertEquals("COMPLETED", v.state(), v.reason());
            assertEquals("tiny-cnn", v.spec().arch());
            assertNull(v.spec().modelOnnx(), "the model bytes are not part of the job's view");
            assertTrue(v.spec().modelBlob().contains("application/onnx"), v.spec().modelBlob());
            for (JobViews.RoundView r : v.rounds()) {
                assertEquals(3, r.selected(), "the device with max-params 1000 runs no 5,380-parameter model");
                assertEquals(3, r.replied());
                assertEquals(0, r.invalid());
            }
            // the dense model reaches ~80% on the subset after 3 epochs; every tier stays far above chance (10%)
            for (JobViews.TierView t : v.rounds().get(1).tiers()) assertTrue(t.accuracy() > 0.4, t.tier() + " accuracy " + t.accuracy());

            Patience.await().until(() -> c.latestAcks(jobId).size() == 4);
            for (Map.Entry<String, DeploymentAck> e : c.latestAcks(jobId).entrySet()) {
                if (e.getKey().equals("tiny-device")) {   // it hears of the tiers too, and refuses them
                    assertFalse(e.getValue().applied());
                    assertTrue(e.getValue().error().contains("more than this device's max-params 1000"), e.getValue().error());
                    continue;
                }
                assertTrue(e.getValue().applied(), e.getValue().error());
                assertEquals("keep-0.5", e.getValue().tier());
                assertTrue(e.getValue().localAccuracy() > 0.4, "" + e.getValue().localAccuracy());
            }
            for (double keep : TIERS) {
                TierFile t = TierFile.read(c.artifact(jobId, JobSpec.tierName(keep)).orElseThrow(), Map.of(), imported);   // checks k-of-n
                assertEquals(List.of("conv1", "conv2", "fc"), List.copyOf(t.masks().keySet()));
                LayerMask conv1 = t.masks().get("conv1");
                assertEquals(io.fedprune.dpp.Granularity.KERNEL, conv1.spec().granularity());
            }
            // compact runtime, masked dense model and ONNX Runtime on every tier's export: the same scores, the reported accuracy
            TierParityIT.assertTiersAgree(c, jobId, imported, raw.test());
        }
    }

    @Test
    void aBadModelFileIsRefusedNamingTheProblem() throws Exception {
        Graph imported = OnnxImport.read(onnx, "tiny-cnn").graph();
        try (CoordinatorNode node = CoordinatorNode.start(FleetFixture.config("bad-models."))) {
            Coordinator c = node.coordinator();
            JobRequest good = job(imported);

            InvalidFieldException e = assertThrows(InvalidFieldException.class, () -> c.submit(good.withModelOnnx("%%% not base64")));
            assertEquals("modelOnnx", e.field());
            assertTrue(e.getMessage().contains("not valid base64"), e.getMessage());

            e = assertThrows(InvalidFieldException.class, () -> c.submit(good.withModelOnnx(Arrays.copyOf(onnx, onnx.length / 2))));
            assertEquals("modelOnnx", e.field());
            assertTrue(e.getMessage().contains("not an ONNX model"), e.getMessage());

            var b = io.fedprune.onnx.proto.ModelProto.parseFrom(onnx).toBuilder();
            for (var n : b.getGraphBuilder().getNodeBuilderList()) if (n.getOpType().equals("Relu")) n.setOpType("Elu");
            e = assertThrows(InvalidFieldException.class, () -> c.submit(good.withModelOnnx(b.build().toByteArray())));
            assertEquals("modelOnnx", e.field());
            assertTrue(e.getMessage().contains("Elu"), e.getMessage());

            byte[] small = OnnxExport.dense(Model.init(tinyCnn(16), 1));   // takes 16x16 images, the data holds 28x28
            e = assertThrows(InvalidFieldException.class, () -> c.submit(JobRequest.empty().withModelOnnx(small)));
            assertEquals("modelOnnx", e.field());
            assertTrue(e.getMessage().contains("takes 1x16x16 images of 10 classes but data") && e.getMessage().contains("holds 1x28x28"), e.getMessage());
            assertTrue(c.jobs().isEmpty(), "no job was started");
        }
    }
}
