package io.fedprune.onnx;

import io.fedprune.model.Graph;
import io.fedprune.runtime.TierKeys;
import io.fedprune.model.Layer;
import io.fedprune.model.Model;
import io.fedprune.model.Op;
import io.fedprune.model.Preprocessing;
import io.fedprune.onnx.proto.AttributeProto;
import io.fedprune.onnx.proto.ModelProto;
import io.fedprune.onnx.proto.NodeProto;
import io.fedprune.onnx.proto.StringStringEntryProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Structure of imported models and the one-line errors for what is not supported. */
class OnnxImportTest {

    static byte[] fixture(String name) {
        try (InputStream in = OnnxImportTest.class.getResourceAsStream("/onnx/" + name + ".onnx")) {
            if (in == null) throw new IllegalStateException("fixture " + name + " missing; run tools/gen-onnx-fixtures.py");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void resnetImportsWithFoldedBatchNormAndResidualAdds() {
        Model m = OnnxImport.read(fixture("resnet_small"), "resnet_small");
        Graph g = m.graph();
        assertArrayEquals(new int[]{3, 16, 16}, g.inputShape());
        assertEquals(10, g.classes());
        assertEquals(Preprocessing.PIXEL_SCALE, g.preprocessing());
        assertEquals(List.of("stem.conv", "layer1.conv1", "layer1.conv2", "layer2.conv1", "layer2.conv2", "layer2.down", "fc"),
                g.layerNames());
        assertTrue(g.layers().get(g.layers().size() - 1).output());
        assertEquals(2, g.ops().stream().filter(o -> o instanceof Op.Add).count());
        assertFalse(g.ops().stream().anyMatch(o -> o instanceof Op.ChannelAffine), "every BN follows a conv: folded");
        assertArrayEquals(new int[]{16, 8, 3, 3}, g.layer("layer2.conv1").weightShape());
        assertEquals(16, m.bias("layer2.conv1").length);
    }

    @Test
    void vggKeepsItsSoftmaxAsTheHeadAndMlpTransposesMatMulWeights() {
        Graph vgg = OnnxImport.read(fixture("vgg_bn"), "vgg").graph();
        assertEquals(Graph.Head.SOFTMAX, vgg.head());
        assertEquals(List.of("features.conv1", "features.conv2", "features.conv3", "classifier.fc1", "classifier.fc2"), vgg.layerNames());
        Model mlp = OnnxImport.read(fixture("mlp"), "mlp");
        assertArrayEquals(new int[]{144}, mlp.graph().inputShape());
        Layer fc2 = mlp.graph().layers().get(1);
        assertArrayEquals(new int[]{16, 32}, fc2.weightShape());
    }

    @Test
    void standaloneBatchNormBecomesAChannelAffine() {
        Graph g = OnnxImport.read(fixture("op_batchnorm_standalone"), "bn").graph();
        assertEquals(1, g.ops().stream().filter(o -> o instanceof Op.ChannelAffine).count());
    }

    @Test
    void loadNamesTheGraphAfterTheFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("my_cnn.onnx");
        Files.write(f, fixture("op_conv"));
        assertEquals("my_cnn", OnnxImport.load(f).graph().id());
    }

    @Test
    void declaredPreprocessingIsRead() {
        ModelProto p = parse("op_relu").toBuilder()
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey(TierKeys.ONNX_PREPROCESSING_MEAN).setValue("0.5, 0.25"))
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey(TierKeys.ONNX_PREPROCESSING_STD).setValue("0.2,0.1")).build();
        Preprocessing pre = OnnxImport.read(p.toByteArray(), "x").graph().preprocessing();
        assertEquals(1f / 255, pre.scale());
        assertArrayEquals(new float[]{0.5f, 0.25f}, pre.mean());
        assertArrayEquals(new float[]{0.2f, 0.1f}, pre.std());
    }

    private static ModelProto parse(String fixture) {
        try {
            return ModelProto.parseFrom(fixture(fixture));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The fixture with its first node of {@code opType} changed. */
    private static byte[] withNode(String fixture, String opType, UnaryOperator<NodeProto.Builder> change) {
        ModelProto.Builder b = parse(fixture).toBuilder();
        var g = b.getGraphBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getOpType().equals(opType)) {
                g.setNode(i, change.apply(g.getNode(i).toBuilder()));
                return b.build().toByteArray();
            }
        }
        throw new IllegalArgumentException("no " + opType + " in " + fixture);
    }

    private static String error(byte[] bytes) {
        String m = assertThrows(OnnxImportException.class, () -> OnnxImport.read(bytes, "bad")).getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        return m;
    }

    @Test
    void unsupportedOperatorNamesNodeOperatorAndTheSupportedList() {
        String m = error(withNode("op_relu", "Relu", n -> n.setOpType("Gelu").setName("/act/Gelu")));
        assertTrue(m.startsWith("node '/act/Gelu' (Gelu): unsupported operator; supported: [Conv, Gemm, MatMul"), m);
        assertTrue(m.contains("LogSoftmax"), m);
    }

    @Test
    void unsupportedAttributesAreNamed() {
        String m = error(withNode("op_conv", "Conv", n -> n.addAttribute(AttributeProto.newBuilder().setName("dilations")
                .setType(AttributeProto.AttributeType.INTS).addInts(2).addInts(2))));
        assertTrue(m.contains("(Conv): dilations [2, 2] unsupported; supported: dilations 1"), m);
        m = error(withNode("op_maxpool", "MaxPool", n -> n.addAttribute(AttributeProto.newBuilder().setName("ceil_mode")
                .setType(AttributeProto.AttributeType.INT).setI(1))));
        assertTrue(m.contains("(MaxPool): ceil_mode 1 unsupported"), m);
        m = error(withNode("op_relu", "Relu", n -> n.addAttribute(AttributeProto.newBuilder().setName("beta")
                .setType(AttributeProto.AttributeType.FLOAT).setF(1))));
        assertTrue(m.contains("(Relu): attribute 'beta' unsupported; supported attributes of Relu: none"), m);
    }

    @Test
    void groupedConvolutionOtherThanDepthwiseIsRefused() {
        ModelProto.Builder b = parse("op_conv_depthwise").toBuilder();
        // a group of 2 over 3 channels: the weight [6, 1, 3, 3] no longer fits
        String m = error(withNode("op_conv_depthwise", "Conv", n -> {
            for (int i = 0; i < n.getAttributeCount(); i++)
                if (n.getAttribute(i).getName().equals("group")) n.setAttribute(i, n.getAttribute(i).toBuilder().setI(2));
            return n;
        }));
        assertTrue(m.contains("(Conv): weight"), m);
    }

    @Test
    void badShapesAreRefused() {
        // Gemm straight on a [C, H, W] map
        ModelProto p = parse("op_relu");
        var g = p.getGraph().toBuilder();
        int flatten = -1;
        for (int i = 0; i < g.getNodeCount(); i++) if (g.getNode(i).getOpType().equals("Flatten")) flatten = i;
        NodeProto fl = g.getNode(flatten);
        g.removeNode(flatten);
        for (int i = 0; i < g.getNodeCount(); i++)
            if (g.getNode(i).getOpType().equals("Gemm")) g.setNode(i, g.getNode(i).toBuilder().setInput(0, fl.getInput(0)));
        String m = error(p.toBuilder().setGraph(g).build().toByteArray());
        assertTrue(m.contains("(Gemm): input shape [N, 3, 6, 6]; supported: [N, features] (add a Flatten before it)"), m);
    }

    @Test
    void opsetOutsideTheRangeIsRefused() {
        ModelProto p = parse("op_relu");
        var b = p.toBuilder();
        b.setOpsetImport(0, b.getOpsetImport(0).toBuilder().setVersion(9));
        assertTrue(error(b.build().toByteArray()).contains("opset 9; supported: opsets 11-17"));
    }

    @Test
    void truncatedAndGarbageFilesAreClearErrors() {
        byte[] full = fixture("vgg_bn");
        for (int len : new int[]{0, 7, full.length / 3, full.length / 2, full.length - 5}) {
            String m = error(Arrays.copyOf(full, len));
            assertTrue(m.contains("truncated") || m.contains("not an ONNX model") || m.contains("not computed"), len + ": " + m);
        }
        byte[] garbage = new byte[5000];
        new Random(1).nextBytes(garbage);
        assertTrue(error(garbage).startsWith("not an ONNX model"));
        assertTrue(error("hello, I am a text file\n".getBytes()).startsWith("not an ONNX model"));
    }

    @Test
    void loadPrefixesTheFileName(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("broken.onnx");
        Files.write(f, Arrays.copyOf(fixture("mlp"), 100));
        var e = assertThrows(OnnxImportException.class, () -> OnnxImport.load(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
    }
}
