package io.fedprune.agent;

import io.fedprune.data.Dataset;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.dpp.Seeds;
import io.fedprune.model.DppResult;
import io.fedprune.model.DppTrainer;
import io.fedprune.model.MaskSpecs;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.model.Preprocessing;
import io.fedprune.model.ProgressListener;
import io.fedprune.model.TrainConfig;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Budget;
import io.fedprune.wire.DeviceAssignment;
import io.fedprune.wire.Granularity;
import io.fedprune.wire.LayerSpec;
import io.fedprune.wire.RoundStart;
import io.fedprune.wire.TensorEncoding;
import io.fedprune.wire.TrainingConfig;
import io.fedprune.model.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** An assignment's smaller tiers reach the trainer: the agent trains its own k and theirs in turn. */
class AgentNestedTrainingTest {
    static final int SAMPLES = 64;

    private static List<LayerSpec> layers(List<MaskSpec> specs) {
        return specs.stream().map(s -> new LayerSpec(s.layer(), Granularity.valueOf(s.granularity().name()), s.n(), s.k())).toList();
    }

    @Test
    void theAgentTrainsItsOwnKAndTheSmallerTiersInTurn() {
        Model model = Model.init(ModelArch.LENET300.graph(), 2);
        Random r = new Random(5);
        float[] pixels = new float[SAMPLES * 784];
        for (int i = 0; i < pixels.length; i++) pixels[i] = r.nextInt(256);
        int[] labels = new int[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) labels[i] = r.nextInt(10);
        Dataset raw = new Dataset(pixels, labels, SAMPLES, 1, 28, 28, 10);
        Agent agent = new Agent(new Agent.Settings("device-1", Budget.ofKeep(0.25), raw, raw, null, 0, null));

        List<MaskSpec> own = MaskSpecs.weightLevel(model.graph(), 0.25), small = MaskSpecs.weightLevel(model.graph(), 0.1);
        TrainingConfig c = new TrainingConfig(1, 0.1, 16, 5, 2, 1e-3, 1.0, TensorEncoding.FLOAT32, 0);
        BlobRef ref = new BlobRef("x", "0".repeat(64), 1, 1, "");
        DeviceAssignment nested = new DeviceAssignment("device-1", layers(own), List.of(layers(small)));
        RoundStart rs = new RoundStart("lenet300", ref, null, List.of(nested), c, 11L, 1, 1);

        Agent.Trained withSmaller = agent.train(rs, nested, model, null);
        Agent.Trained ownOnly = agent.train(rs, new DeviceAssignment("device-1", layers(own)), model, null);

        // the reference: the trainer given the same tiers, the round's settings and the device's seed
        TrainConfig cfg = new TrainConfig(1, 16, 0.1, 5, 2, 1e-3, TrainConfig.DEFAULTS.exactKMax(), 1.0, 1, false,
                TrainConfig.DEFAULTS.weightLr(), 0, true);
        Dataset x = raw.normalized(Preprocessing.MNIST.scale(), Preprocessing.MNIST.mean(), Preprocessing.MNIST.std());
        DppResult ref2 = DppTrainer.train(model, x, null, own, List.of(small), null, cfg, Seeds.device(11L, "device-1"), ProgressListener.NONE);
        assertEquals(own.size(), withSmaller.logits().size());
        for (int i = 0; i < own.size(); i++) {
            Tensor t = withSmaller.logits().get(i);
            assertEquals(own.get(i).layer(), t.name());
            assertArrayEquals(ref2.logits().get(t.name()), t.data(), t.name());
        }
        assertFalse(java.util.Arrays.equals(ownOnly.logits().get(0).data(), withSmaller.logits().get(0).data()),
                "the smaller tier's steps change the logits");
        assertEquals(layers(own), withSmaller.kUsed(), "the update reports the device's own k");
    }
}
