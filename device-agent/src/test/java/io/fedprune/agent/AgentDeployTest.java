package io.fedprune.agent;

import io.fedprune.data.Dataset;
import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.dpp.Masks;
import io.fedprune.model.Graph;
import io.fedprune.model.MaskSpecs;
import io.fedprune.model.Model;
import io.fedprune.model.Network;
import io.fedprune.model.Preprocessing;
import io.fedprune.onnx.OnnxImport;
import io.fedprune.runtime.CompactNetwork;
import io.fedprune.runtime.LayerMask;
import io.fedprune.runtime.TierFile;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.Budget;
import io.fedprune.wire.Deployment;
import io.fedprune.wire.DeploymentAck;
import io.fedprune.wire.LayerSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent's deployment path (artifact read and checked, compact network built, evaluated, acked) on a tier of an
 * imported ResNet with residual Adds: what the device applies computes the masked model's class scores, as the ND4J
 * training network (an independent implementation) computes them.
 */
class AgentDeployTest {
    static final int SAMPLES = 24;

    @Test
    void aFilterTierOfAResidualNetworkIsAppliedAndComputesTheMaskedModel() throws Exception {
        Model model;
        try (var in = AgentDeployTest.class.getResourceAsStream("/onnx/resnet_small.onnx")) {   // in the shared test jar
            model = OnnxImport.read(in.readAllBytes(), "resnet_small");
        }
        Graph g = model.graph();
        Map<String, LayerMask> masks = new LinkedHashMap<>();
        for (MaskSpec s : MaskSpecs.of(g, Granularity.FILTER, Granularity.FILTER, 0.5, MaskSpecs.OUTPUT_MIN_KEEP))
            masks.put(s.layer(), new LayerMask(s, Masks.random(s, 7 + s.layer().hashCode())));
        // layer2's branches drop the same channels: the residual Add passes the cut on and both become smaller
        masks.put("layer2.down", new LayerMask(masks.get("layer2.down").spec(), masks.get("layer2.conv2").groupMask()));
        byte[] artifact = new TierFile("job-resnet", "keep-0.5", 0.5, model, masks).write();
        List<LayerSpec> layers = new ArrayList<>();
        for (LayerMask m : masks.values())
            layers.add(new LayerSpec(m.spec().layer(), io.fedprune.wire.Granularity.valueOf(m.spec().granularity().name()), m.spec().n(), m.spec().k()));
        BlobRef ref = new BlobRef("blob-1", Blobs.sha256Hex(artifact), artifact.length, 1, Blobs.SAFETENSORS);
        Deployment d = new Deployment("keep-0.5", 0.5, layers, ref, ref, OptionalDouble.empty(), TierFile.checksums(artifact));

        Random r = new Random(3);
        float[] pixels = new float[SAMPLES * g.inputSize()];
        for (int i = 0; i < pixels.length; i++) pixels[i] = r.nextInt(256);
        int[] labels = new int[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) labels[i] = r.nextInt(10);
        Dataset raw = new Dataset(pixels, labels, SAMPLES, 3, 16, 16, 10);
        Agent agent = new Agent(new Agent.Settings("device-1", Budget.ofKeep(0.5), raw, raw, null, 0, null));

        DeploymentAck ack = agent.deploy("job-resnet", d, artifact, g).orElseThrow();
        assertTrue(ack.applied(), ack.error());
        CompactNetwork applied = agent.applied("job-resnet").orElseThrow().network();
        assertEquals(applied.parameterBytes(), ack.parameterBytes());
        // at most the dense parameters minus the two layers' 8 dropped rows and fc's 8 dropped columns (16x3x3 + 1, 8 + 1, 10 each)
        assertTrue(applied.parameterCount() <= g.parameterCount() - 8 * (16 * 9 + 1 + 8 + 1 + 10),
                applied.parameterCount() + " of " + g.parameterCount());

        Preprocessing p = g.preprocessing();
        Dataset x = raw.normalized(p.scale(), p.mean(), p.std());
        Map<String, float[]> weightMasks = new LinkedHashMap<>();
        masks.forEach((l, m) -> weightMasks.put(l, m.weightMask()));
        float[] expected = Network.of(model.masked(weightMasks)).logits(x.x(), 0, SAMPLES);
        float[] scores = applied.forward(x.x(), 0, SAMPLES);
        assertArrayEquals(expected, scores, 1e-4f);
        int correct = 0;
        for (int i = 0; i < SAMPLES; i++) if (CompactNetwork.argMax(expected, i * 10, 10) == labels[i]) correct++;
        assertEquals((double) correct / SAMPLES, ack.localAccuracy(), 1e-12);
    }
}
