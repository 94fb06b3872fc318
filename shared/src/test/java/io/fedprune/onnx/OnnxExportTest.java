package io.fedprune.onnx;

import ai.onnxruntime.OrtEnvironment;
import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.dpp.Masks;
import io.fedprune.model.Graph;
import io.fedprune.model.Layer;
import io.fedprune.model.MaskSpecs;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.model.Network;
import io.fedprune.model.Pruning;
import io.fedprune.onnx.proto.ModelProto;
import io.fedprune.onnx.proto.TensorProto;
import io.fedprune.runtime.ChannelPlan;
import io.fedprune.runtime.CompactNetwork;
import io.fedprune.runtime.LayerMask;
import io.fedprune.runtime.TierCompiler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exported tiers run in ONNX Runtime (the independent implementation) with the class scores of the compact runtime
 * and of the masked dense model, for the built-ins and imported CNNs (VGG-style with batch normalisation, a small
 * ResNet with residual Adds), at every granularity; FILTER tiers export exactly the parameters the masks leave alive,
 * through residual Adds whose operands drop the same channels.
 */
class OnnxExportTest {
    static OrtEnvironment env;
    static final int SAMPLES = 5;

    @BeforeAll
    static void start() {
        env = OrtEnvironment.getEnvironment();
    }

    static Model vgg() throws Exception {
        return OnnxImport.load(Path.of(OnnxExportTest.class.getResource("/onnx/vgg_bn.onnx").toURI()));
    }

    static Stream<Arguments> tiers() {
        return Stream.of(
                Arguments.of("lenet300", "WEIGHT", 0.1), Arguments.of("lenet300", "FILTER", 0.2), Arguments.of("lenet300", "TILE", 0.5),
                Arguments.of("lenet5", "WEIGHT", 0.05), Arguments.of("lenet5", "KERNEL", 0.3), Arguments.of("lenet5", "FILTER", 0.25),
                Arguments.of("lenet5", "TILE", 0.5), Arguments.of("vgg", "WEIGHT", 0.1), Arguments.of("vgg", "KERNEL", 0.25),
                Arguments.of("vgg", "FILTER", 0.25), Arguments.of("resnet", "WEIGHT", 0.1), Arguments.of("resnet", "KERNEL", 0.25),
                Arguments.of("resnet", "FILTER", 0.5), Arguments.of("resnet", "TILE", 0.5), Arguments.of("cnn", "FILTER", 0.25));
    }

    /** A model with non-zero biases (a pruned filter's output is its bias: the export must keep that exact). */
    static Model model(String which) throws Exception {
        if (which.equals("vgg")) return vgg();
        if (which.equals("cnn")) return OnnxImport.load(Path.of("..", "models", "mnist-cnn.onnx"));   // the committed example, from the module directory
        if (which.equals("resnet")) return OnnxImport.load(Path.of(OnnxExportTest.class.getResource("/onnx/resnet_small.onnx").toURI()));
        Model m = Model.init(ModelArch.parse(which).graph(), 11);
        Random r = new Random(2);
        for (Layer l : m.graph().layers()) {
            float[] b = m.bias(l.name());
            for (int i = 0; i < b.length; i++) b[i] = (float) (0.5 * r.nextGaussian());
        }
        return m;
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void onnxRuntimeGivesTheScoresOfTheCompactRuntimeAndTheMaskedModel(String which, String granularity, double keep) throws Exception {
        Model model = model(which);
        Map<String, LayerMask> masks = masks(model.graph(), granularity, keep, 5);
        float[] x = inputs(model.graph(), SAMPLES, 3);
        float[] ort = run(OnnxExport.tier(model, masks, Map.of()), model.graph(), x);
        float[] compact = TierCompiler.compile(model, masks, TierCompiler.Form.COMPACT).forward(x, 0, SAMPLES);
        float[] masked = TierCompiler.compile(model, masks, TierCompiler.Form.MASKED_DENSE).forward(x, 0, SAMPLES);
        assertArrayEquals(masked, ort, 1e-4f, which + " " + granularity + ": ONNX Runtime vs masked dense");
        assertArrayEquals(masked, compact, 1e-4f, which + " " + granularity + ": compact vs masked dense");
        // the training engine on the masked weights (its Dense layers run sparse below SparseRows' density bound)
        List<MaskSpec> specs = masks.values().stream().map(LayerMask::spec).toList();
        Map<String, float[]> groupMasks = new LinkedHashMap<>();
        masks.forEach((layer, m) -> groupMasks.put(layer, m.groupMask()));
        float[] engine = Network.of(Pruning.apply(model, specs, groupMasks, 0)).logits(x, 0, SAMPLES);
        assertArrayEquals(ort, engine, 1e-4f, which + " " + granularity + ": ONNX Runtime vs the training engine");
        float[] dense = run(OnnxExport.dense(model), model.graph(), x);
        assertArrayEquals(TierCompiler.compile(model, masks, TierCompiler.Form.DENSE).forward(x, 0, SAMPLES), dense, 1e-4f);
    }

    @Test
    void filterTiersExportExactlyTheParametersTheMasksLeaveAlive() throws Exception {
        for (String which : List.of("lenet300", "lenet5", "vgg", "cnn")) {
            Model model = model(which);
            Map<String, LayerMask> masks = masks(model.graph(), "FILTER", 0.25, 9);
            // chains: every hidden layer loses its pruned outputs (through pooling, flatten and padded convolutions)
            List<String> hidden = model.graph().layerNames().subList(0, model.graph().layers().size() - 1);
            assertEquals(hidden, List.copyOf(ChannelPlan.of(model, masks).removed().keySet()), which);
            ModelProto tier = ModelProto.parseFrom(OnnxExport.tier(model, masks, Map.of()));
            ModelProto dense = ModelProto.parseFrom(OnnxExport.dense(model));
            long expected = alive(model, masks);
            assertEquals(expected, weightAndBiasCount(tier), which);
            assertEquals(model.graph().parameterCount(), weightAndBiasCount(dense), which);
            assertTrue(expected < 0.35 * model.graph().parameterCount(), which + " " + expected);
        }
    }

    @Test
    void filterLayersAddedTogetherAreRemovedWhenTheyDropTheSameChannelsAndStayMaskedOtherwise() throws Exception {
        Model model = model("resnet");
        Map<String, LayerMask> masks = masks(model.graph(), "FILTER", 0.5, 4);
        // layer1.conv1 and layer2.conv1 feed only their block's padded conv2; the stem's outputs and layer1.conv2's meet
        // in layer1's residual Add, layer2's two branches (conv2 and the 1x1 down-sampling conv) in layer2's; fc is the output
        ChannelPlan random = ChannelPlan.of(model, masks);
        assertEquals(List.of("layer1.conv1", "layer2.conv1"), List.copyOf(random.removed().keySet()));
        for (String l : List.of("stem.conv", "layer1.conv2", "layer2.conv2", "layer2.down"))
            assertTrue(random.kept().get(l).contains("residual Add"), l + ": " + random.kept().get(l));

        LayerMask conv2 = masks.get("layer2.conv2");
        masks.put("layer2.down", new LayerMask(masks.get("layer2.down").spec(), conv2.groupMask()));
        ChannelPlan same = ChannelPlan.of(model, masks);
        assertEquals(List.of("layer1.conv1", "layer2.conv1", "layer2.conv2", "layer2.down"), List.copyOf(same.removed().keySet()));
        ModelProto tier = ModelProto.parseFrom(OnnxExport.tier(model, masks, Map.of()));
        // by hand, half the channels of each removed layer dropped: layer1.conv1 [8,8,3,3] 4 rows of 8x9 + bias,
        // layer1.conv2 [8,8,3,3] 4 input channels of 9 in its 8 rows; layer2.conv1 [16,8,3,3] 8 rows of 8x9 + bias;
        // layer2.conv2 [16,16,3,3] keeps 8 rows of 8 channels x 9 + bias of its 16x16x9 + 16; layer2.down [16,8,1,1] 8 rows of
        // 8 + bias; fc [10,16] 8 columns
        long saved = 4 * (8 * 9 + 1) + 8 * 4 * 9 + 8 * (8 * 9 + 1) + (16 * 16 * 9 + 16 - (8 * 8 * 9 + 8)) + 8 * (8 + 1) + 10 * 8;
        assertEquals(model.graph().parameterCount() - saved, weightAndBiasCount(tier));
        // the padded convolutions reading removed channels: a border kernel per kept row (layer1.conv2 8, layer2.conv2 8)
        long border = tier.getGraph().getInitializerList().stream().filter(t -> t.getName().endsWith(".border"))
                .mapToLong(t -> t.getRawData().size() / 4).sum();
        assertEquals((8 + 8) * 9, border);
        CompactNetwork compact = TierCompiler.compile(model, masks, TierCompiler.Form.COMPACT);
        float[] x = inputs(model.graph(), SAMPLES, 8);
        float[] masked = TierCompiler.compile(model, masks, TierCompiler.Form.MASKED_DENSE).forward(x, 0, SAMPLES);
        assertArrayEquals(masked, run(tier.toByteArray(), model.graph(), x), 1e-4f, "ONNX Runtime vs masked dense");
        assertArrayEquals(masked, compact.forward(x, 0, SAMPLES), 1e-4f, "compact vs masked dense");
    }

    /** Independent count: a weight survives if its row is kept, its input channel survives and its mask keeps it. */
    static long alive(Model model, Map<String, LayerMask> masks) {
        Graph g = model.graph();
        long n = 0;
        boolean[] aliveIn = null;
        ChannelPlan plan = ChannelPlan.of(model, masks);
        for (Layer l : g.layers()) {
            LayerMask m = masks.get(l.name());
            float[] wm = m.weightMask();
            int rows = l.outputs(), cols = l.fanIn(), per = aliveIn == null ? cols : cols / aliveIn.length;
            boolean removed = plan.removed().containsKey(l.name());
            boolean[] aliveOut = new boolean[rows];
            for (int o = 0; o < rows; o++) {
                aliveOut[o] = !removed || m.kept(0, o);
                if (!aliveOut[o]) continue;
                n++;
                for (int i = 0; i < cols; i++) if (aliveIn == null || aliveIn[i / per]) n++;
            }
            aliveIn = aliveOut;
        }
        return n;
    }

    static long weightAndBiasCount(ModelProto m) {
        long n = 0;
        for (TensorProto t : m.getGraph().getInitializerList())
            if (t.getName().endsWith(".weight") || t.getName().endsWith(".bias")) n += t.getRawData().size() / 4;
        return n;
    }

    static float[] run(byte[] onnx, Graph g, float[] x) throws Exception {
        return OrtRun.run(onnx, g, x);
    }

    static Map<String, LayerMask> masks(Graph g, String granularity, double keep, long seed) {
        List<MaskSpec> specs = new ArrayList<>();
        if (granularity.equals("TILE")) {
            for (Layer l : g.layers())
                if (l.fanIn() % 4 == 0) specs.add(MaskSpec.tile(l.name(), l.weightShape(), (int) Math.round(4 * keep), 4));
        } else {
            Granularity gr = Granularity.valueOf(granularity);
            specs = MaskSpecs.of(g, gr, gr == Granularity.KERNEL ? Granularity.WEIGHT : gr, keep, MaskSpecs.OUTPUT_MIN_KEEP);
        }
        Map<String, LayerMask> out = new LinkedHashMap<>();
        for (MaskSpec s : specs) out.put(s.layer(), new LayerMask(s, Masks.random(s, seed + s.layer().hashCode())));
        return out;
    }

    static float[] inputs(Graph g, int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * g.inputSize()];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return x;
    }
}
