package io.fedprune.runtime;

import io.fedprune.runtime.TierKeys.LayerKey;
import io.fedprune.runtime.TierKeys.LayerTensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The names of docs/ARTIFACTS.md: files already deployed carry them, so a rename must fail here first. */
class TierKeysTest {
    @Test
    void layerKeysAndTensorsAreTheDocumentedNames() {
        assertEquals(List.of("fc1.granularity", "fc1.groups", "fc1.n", "fc1.k", "fc1.tile_m", "fc1.shape"),
                Arrays.stream(LayerKey.values()).map(k -> k.of("fc1")).toList());
        assertEquals(List.of("fc1.values", "fc1.indices", "fc1.mask_bits"),
                Arrays.stream(LayerTensor.values()).map(t -> t.of("fc1")).toList());
        assertEquals("fedprune.layer.conv2.k", LayerKey.K.onnx("conv2"));
        assertEquals("fedprune.layer.conv2.filter", TierKeys.onnxFilter("conv2"));
    }

    @Test
    void fileKeysAreTheDocumentedNames() {
        assertEquals(List.of("format", "version", "arch", "network", "input", "preprocessing", "preprocessing.scale",
                        "preprocessing.mean", "preprocessing.std", "job", "tier", "keep", "layers", "artifact"),
                List.of(TierKeys.FORMAT, TierKeys.VERSION, TierKeys.ARCH, TierKeys.NETWORK, TierKeys.INPUT, TierKeys.PREPROCESSING,
                        TierKeys.PREPROCESSING_SCALE, TierKeys.PREPROCESSING_MEAN, TierKeys.PREPROCESSING_STD, TierKeys.JOB,
                        TierKeys.TIER, TierKeys.KEEP, TierKeys.LAYERS, TierKeys.ARTIFACT_CHECKSUM));
        assertEquals(List.of("fedprune.job", "fedprune.tier", "fedprune.keep", "fedprune.input", "fedprune.preprocessing.scale",
                        "fedprune.preprocessing.mean", "fedprune.preprocessing.std"),
                List.of(TierKeys.ONNX_JOB, TierKeys.ONNX_TIER, TierKeys.ONNX_KEEP, TierKeys.ONNX_INPUT,
                        TierKeys.ONNX_PREPROCESSING_SCALE, TierKeys.ONNX_PREPROCESSING_MEAN, TierKeys.ONNX_PREPROCESSING_STD));
    }
}
