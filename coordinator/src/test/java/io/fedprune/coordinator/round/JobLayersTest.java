package io.fedprune.coordinator.round;

import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.fuse.LayerShape;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.model.Tensor;
import io.fedprune.wire.Granularity;
import io.fedprune.wire.LayerSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class JobLayersTest {
    private static final Model MODEL = Model.init(ModelArch.LENET5.graph(), 1);

    @Test
    void layersShapesAndWireSpecsFollowTheJobsPlan() {
        // conv2 [50, 20, 5, 5] at KERNEL: 50 groups of 20 kernels; fc2 [10, 500] at WEIGHT: 10 groups of 500
        JobSpec spec = JobSpec.builder().arch(ModelArch.LENET5).pretrainEpochs(0).layers(List.of(
                new JobSpec.LayerPlan("conv2", io.fedprune.dpp.Granularity.KERNEL), new JobSpec.LayerPlan("fc2", io.fedprune.dpp.Granularity.WEIGHT))).build("j");
        JobLayers layers = JobLayers.of(spec, MODEL);
        assertEquals(List.of(new LayerShape("conv2", 50, 20), new LayerShape("fc2", 10, 500)), layers.shapes());
        assertEquals(List.of(new LayerSpec("conv2", Granularity.KERNEL, 20, 3), new LayerSpec("fc2", Granularity.WEIGHT, 500, 125)),
                layers.layerSpecs(new int[]{3, 125}));
        List<Tensor> ts = layers.tensors(List.of(new float[1000], new float[5000]));
        assertEquals("conv2", ts.get(0).name());
        assertArrayEquals(new int[]{50, 20}, ts.get(0).shape());
        assertArrayEquals(new int[]{10, 500}, ts.get(1).shape());
    }
}
