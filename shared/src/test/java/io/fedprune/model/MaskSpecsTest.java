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
        return fixture("resnet_small");
    }

    private static Graph fixture(String name) throws IOException {
        try (InputStream in = MaskSpecsTest.class.getResourceAsStream("/onnx/" + name + ".onnx")) {
            return OnnxImport.read(in.readAllBytes(), name).graph();
        }
    }

    /** Layer name -> granularity of {@code specs}, in order. */
    private static Map<String, Granularity> granularities(List<MaskSpec> specs) {
        Map<String, Granularity> out = new java.util.LinkedHashMap<>();
        for (MaskSpec s : specs) out.put(s.layer(), s.granularity());
        return out;
    }

    @Test
    void theDefaultPlanIsKernelForEveryHiddenConvAndWeightForGemmMatMulAndTheOutput() throws IOException {
        // vgg_bn: three Conv (batch norm folded) and two Gemm; mlp: Gemm and MatMul + Add, no Conv
        Graph vgg = fixture("vgg_bn"), mlp = fixture("mlp");
        for (Graph g : List.of(vgg, mlp, resnet(), ModelArch.LENET5.graph(), ModelArch.LENET300.graph())) {
            for (Layer l : g.layers()) {
                Granularity expected = l.isConv() && !l.output() ? Granularity.KERNEL : Granularity.WEIGHT;
                assertEquals(expected, MaskSpecs.defaultGranularity(l), g.id() + " " + l.name());
                assertEquals(expected, MaskSpecs.granularity(l, null), "null asks for the default plan");
            }
            assertEquals(granularities(MaskSpecs.of(g, 0.1, Map.of())), granularities(MaskSpecs.of(g, null, 0.1)),
                    g.id() + ": both forms of the default plan agree");
        }
        List<MaskSpec> specs = MaskSpecs.of(vgg, null, 0.1);
        assertEquals(List.of(Granularity.KERNEL, Granularity.KERNEL, Granularity.KERNEL, Granularity.WEIGHT, Granularity.WEIGHT),
                List.copyOf(granularities(specs).values()), granularities(specs).toString());
        assertTrue(specs.stream().limit(3).allMatch(s -> s.layer().startsWith("features")), granularities(specs).toString());
        assertTrue(mlp.layers().stream().noneMatch(Layer::isConv));
        assertTrue(MaskSpecs.of(mlp, null, 0.1).stream().allMatch(s -> s.granularity() == Granularity.WEIGHT));
        assertEquals(List.of(Granularity.KERNEL, Granularity.KERNEL, Granularity.WEIGHT, Granularity.WEIGHT),
                List.copyOf(granularities(MaskSpecs.of(ModelArch.LENET5.graph(), null, 0.1)).values()));
    }

    @Test
    void askedGranularitiesApplyToHiddenLayersWhereTheyFit() throws IOException {
        Graph vgg = fixture("vgg_bn");
        // FILTER: every hidden layer; KERNEL: the convolutions only (the hidden Gemm falls back to WEIGHT); output WEIGHT
        assertEquals(List.of(Granularity.FILTER, Granularity.FILTER, Granularity.FILTER, Granularity.FILTER, Granularity.WEIGHT),
                List.copyOf(granularities(MaskSpecs.of(vgg, Granularity.FILTER, 0.5)).values()));
        assertEquals(List.of(Granularity.KERNEL, Granularity.KERNEL, Granularity.KERNEL, Granularity.WEIGHT, Granularity.WEIGHT),
                List.copyOf(granularities(MaskSpecs.of(vgg, Granularity.KERNEL, 0.5)).values()));
        List<MaskSpec> w = MaskSpecs.of(vgg, Granularity.WEIGHT, 0.1);
        assertTrue(w.stream().allMatch(s -> s.granularity() == Granularity.WEIGHT));
        MaskSpec out = w.get(w.size() - 1);
        assertEquals((int) Math.ceil(0.25 * out.n()), out.k(), "the output layer keeps max(keep, 25%)");
        MaskSpec first = w.get(0);
        assertEquals((int) Math.ceil(0.1 * first.n()), first.k());
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
