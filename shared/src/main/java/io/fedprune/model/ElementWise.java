package io.fedprune.model;

import io.fedprune.dpp.VectorModule;

/**
 * The element-wise loops of the activations whose result follows the sign of the input (ReLU and LeakyReLU, forward
 * and backward, and the clip's backward), over {@code [0, n)}. These plain loops branch on every element's sign, which a branch predictor
 * cannot learn on trained or random data (LeNet-300-100's two ReLUs, half their inputs negative, cost about a tenth of a
 * training step so); {@link #LOOPS} is the branch-free {@link VectorElementWise} when {@code jdk.incubator.vector}
 * is present, these loops otherwise. Both give the same bits for every input, the rules being:
 * <ul>
 *   <li>ReLU: {@code y = x > 0 ? x : +0}, so NaN, -0, -Inf and negative subnormals give +0;
 *       {@code dx = d * (y > 0 ? 1 : 0)}, so where y is 0 a negative d gives -0 and an infinite or NaN d gives NaN;</li>
 *   <li>LeakyReLU: {@code y = x >= 0 ? x : a * x} (-0 stays -0, NaN stays NaN); {@code dx = d * (x >= 0 ? 1 : a)};</li>
 *   <li>Clip's backward: {@code dx = lo <= x <= hi ? d : +0} (NaN x gives +0). Its forward, {@code Math.min} and
 *       {@code Math.max}, has no branch to remove.</li>
 * </ul>
 */
class ElementWise {
    static final ElementWise LOOPS = vectorOrScalar();

    private static ElementWise vectorOrScalar() {
        ElementWise e = VectorModule.load("io.fedprune.model.VectorElementWise", ElementWise.class);
        return e != null ? e : new ElementWise();
    }

    /** {@code y[i] = x[i] > 0 ? x[i] : 0} for i in [0, n). */
    void relu(float[] x, float[] y, int n) {
        relu(x, y, 0, n);
    }

    /** The ReLU's input gradient from its output y: {@code dx[i] = d[i] * (y[i] > 0 ? 1 : 0)} for i in [0, n). */
    void reluBackward(float[] y, float[] d, float[] dx, int n) {
        reluBackward(y, d, dx, 0, n);
    }

    /** {@code y[i] = x[i] >= 0 ? x[i] : a * x[i]} for i in [0, n). */
    void leakyRelu(float[] x, float a, float[] y, int n) {
        leakyRelu(x, a, y, 0, n);
    }

    /** The LeakyReLU's input gradient from its input x: {@code dx[i] = d[i] * (x[i] >= 0 ? 1 : a)} for i in [0, n). */
    void leakyReluBackward(float[] x, float a, float[] d, float[] dx, int n) {
        leakyReluBackward(x, a, d, dx, 0, n);
    }

    /** The clip's input gradient from its input x: {@code dx[i] = x[i] >= lo && x[i] <= hi ? d[i] : 0} for i in [0, n). */
    void clipBackward(float[] x, float lo, float hi, float[] d, float[] dx, int n) {
        clipBackward(x, lo, hi, d, dx, 0, n);
    }

    // the rules, over [from, to): the reference and the vector loops' tail

    static void relu(float[] x, float[] y, int from, int to) {
        for (int i = from; i < to; i++) y[i] = x[i] > 0 ? x[i] : 0f;
    }

    static void reluBackward(float[] y, float[] d, float[] dx, int from, int to) {
        for (int i = from; i < to; i++) dx[i] = d[i] * (y[i] > 0 ? 1f : 0f);
    }

    static void leakyRelu(float[] x, float a, float[] y, int from, int to) {
        for (int i = from; i < to; i++) y[i] = x[i] >= 0 ? x[i] : a * x[i];
    }

    static void leakyReluBackward(float[] x, float a, float[] d, float[] dx, int from, int to) {
        for (int i = from; i < to; i++) dx[i] = d[i] * (x[i] >= 0 ? 1f : a);
    }

    static void clipBackward(float[] x, float lo, float hi, float[] d, float[] dx, int from, int to) {
        for (int i = from; i < to; i++) dx[i] = x[i] >= lo && x[i] <= hi ? d[i] : 0f;
    }
}
