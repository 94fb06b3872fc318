package io.fedprune.model;

import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.onnx.OnnxImport;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaskSpecsTest {

    private static Graph resnet() throws IOException {
        try (InputStream in = MaskSpecsTest.class.getResourceAsStream("/onnx/resnet_small.onnx")) {
            return OnnxImport.read(in.readAllBytes(), "resnet_small").graph();
        }
    }

    @Test
    void defaultsAreKernelForConvWeightForDenseAndAGentleOutputLayer() throws IOException {
        List<MaskSpec> specs = MaskSpecs.of(resnet(), 0.1, Map.of());
        assertEquals(7, specs.size());
        MaskSpec conv = specs.get(1), out = specs.get(6);
        assertEquals("layer1.conv1", conv.layer());
        assertEquals(Granularity.KERNEL, conv.granularity());
        assertEquals(8, conv.groups());                        // G = cout, n = cin, k = ceil(0.1 * 8)
        assertEquals(8, conv.n());
        assertEquals(1, conv.k());
        assertEquals("fc", out.layer());
        assertEquals(Granularity.WEIGHT, out.granularity());
        assertEquals(4, out.k());                              // ceil(max(0.1, 0.25) * 16)
    }

    @Test
    void rulesChooseLayersGranularityAndKeep() throws IOException {
        Map<String, MaskSpecs.LayerRule> rules = Map.of("stem.conv", MaskSpecs.LayerRule.DENSE,
                "layer2.conv2", MaskSpecs.LayerRule.of(Granularity.FILTER, 0.5),
                "layer1.conv2", new MaskSpecs.LayerRule(true, null, 0.25));
        List<MaskSpec> specs = MaskSpecs.of(resnet(), 0.1, rules);
        assertEquals(6, specs.size());
        assertTrue(specs.stream().noneMatch(s -> s.layer().equals("stem.conv")));
        MaskSpec f = specs.stream().filter(s -> s.layer().equals("layer2.conv2")).findFirst().orElseThrow();
        assertEquals(Granularity.FILTER, f.granularity());
        assertEquals(8, f.k());                                // 16 filters, keep half
        MaskSpec k = specs.stream().filter(s -> s.layer().equals("layer1.conv2")).findFirst().orElseThrow();
        assertEquals(Granularity.KERNEL, k.granularity());
        assertEquals(2, k.k());
        var e = assertThrows(IllegalArgumentException.class, () -> MaskSpecs.of(ModelArch.LENET5.graph(), 0.1,
                Map.of("conv9", MaskSpecs.LayerRule.DENSE)));
        assertTrue(e.getMessage().contains("conv9") && e.getMessage().contains("conv1"), e.getMessage());
    }
}
