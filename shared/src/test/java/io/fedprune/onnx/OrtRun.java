package io.fedprune.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.fedprune.model.Graph;

import java.nio.FloatBuffer;
import java.util.Map;

/** Runs an ONNX model in ONNX Runtime (the independent reference, test scope only) on a batch of preprocessed inputs. */
public final class OrtRun {
    private OrtRun() {
    }

    /** The class scores, {@code [batch, classes]} flattened, of {@code x} ({@code batch} inputs of {@code g}'s shape) under the model's input {@code input}. */
    public static float[] run(byte[] onnx, Graph g, float[] x) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(onnx, new OrtSession.SessionOptions())) {
            int[] shape = g.inputShape();
            long[] dims = new long[shape.length + 1];
            dims[0] = x.length / g.inputSize();
            for (int i = 0; i < shape.length; i++) dims[i + 1] = shape[i];
            try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), dims);
                 OrtSession.Result r = s.run(Map.of("input", in))) {
                float[][] out = (float[][]) r.get(0).getValue();
                float[] flat = new float[out.length * out[0].length];
                for (int i = 0; i < out.length; i++) System.arraycopy(out[i], 0, flat, i * out[0].length, out[0].length);
                return flat;
            }
        }
    }
}
