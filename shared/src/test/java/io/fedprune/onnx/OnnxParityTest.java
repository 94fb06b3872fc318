package io.fedprune.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.fedprune.model.Graph;
import io.fedprune.model.Model;
import io.fedprune.model.Network;
import io.fedprune.model.NetworkTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every supported operator (one small model each) and three whole models (MLP, VGG-style CNN with batch norm, small
 * ResNet) give the outputs of ONNX Runtime, the independent reference, within 1e-4 on random inputs; and their
 * backward passes match finite differences. The models come from {@code tools/gen-onnx-fixtures.py}.
 */
class OnnxParityTest {

    static Stream<String> fixtures() {
        return Stream.of("op_conv", "op_conv_stride_pads", "op_conv_same_upper", "op_conv_nobias", "op_conv_depthwise",
                "op_relu", "op_leakyrelu", "op_sigmoid", "op_tanh", "op_clip", "op_maxpool", "op_averagepool",
                "op_averagepool_pads", "op_averagepool_include_pad", "op_globalaveragepool", "op_batchnorm_folded",
                "op_batchnorm_standalone", "op_add_residual", "op_dropout_identity", "op_reshape",
                "op_gemm_transb0_alpha_beta", "op_matmul_add", "op_softmax", "op_logsoftmax",
                "mlp", "vgg_bn", "resnet_small");
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void outputsMatchOnnxRuntime(String fixture) throws OrtException {
        byte[] bytes = OnnxImportTest.fixture(fixture);
        Model model = OnnxImport.read(bytes, fixture);
        Graph g = model.graph();
        int batch = 5;
        Random r = new Random(fixture.hashCode());
        float[] x = new float[batch * g.inputSize()];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();

        float[] ours = Network.of(model).logits(x, 0, batch);
        applyHead(g, ours, batch);
        float[][] ref = onnxRuntime(bytes, x, batch, g.inputShape());
        double maxAbs = 0;
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < g.classes(); c++) {
                assertEquals(ref[b][c], ours[b * g.classes() + c], 1e-4, fixture + " sample " + b + " class " + c);
                maxAbs = Math.max(maxAbs, Math.abs(ref[b][c]));
            }
        }
        assertTrue(maxAbs > 1e-3, fixture + ": outputs all near zero, the comparison would be vacuous");
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void gradientsMatchFiniteDifferences(String fixture) {
        NetworkTest.assertGradientsMatchFiniteDifferences(OnnxImport.read(OnnxImportTest.fixture(fixture), fixture), new Random(3));
    }

    private static void applyHead(Graph g, float[] logits, int batch) {
        if (g.head() == Graph.Head.LOGITS) return;
        int c = g.classes();
        for (int b = 0; b < batch; b++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < c; j++) max = Math.max(max, logits[b * c + j]);
            for (int j = 0; j < c; j++) sum += Math.exp(logits[b * c + j] - max);
            for (int j = 0; j < c; j++) {
                double ls = logits[b * c + j] - max - Math.log(sum);
                logits[b * c + j] = (float) (g.head() == Graph.Head.SOFTMAX ? Math.exp(ls) : ls);
            }
        }
    }

    private static float[][] onnxRuntime(byte[] model, float[] x, int batch, int[] inputShape) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = new long[inputShape.length + 1];
        shape[0] = batch;
        for (int i = 0; i < inputShape.length; i++) shape[i + 1] = inputShape[i];
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(1);
            try (OrtSession s = env.createSession(model, opts);
                 OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
                 OrtSession.Result res = s.run(Map.of(s.getInputNames().iterator().next(), t))) {
                return (float[][]) res.get(0).getValue();
            }
        }
    }
}
