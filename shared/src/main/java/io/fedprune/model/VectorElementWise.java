package io.fedprune.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ElementWise} with the JDK Vector API, loaded by {@link ElementWise} only when {@code jdk.incubator.vector} is
 * present: a lane-wise compare and a blend instead of a branch per element, the tail by the scalar loops. A compare
 * of NaN is false as in the scalar rule, the blend copies bits and the multiplications are the scalar ones, so the
 * results are the same bits. Not {@code VectorOperators.MAX}: it keeps NaN, the ReLU gives +0.
 */
final class VectorElementWise extends ElementWise {
    private static final VectorSpecies<Float> FS = VectorLanes.FS;
    private static final int L = FS.length();

    @Override
    void relu(float[] x, float[] y, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromArray(FS, x, i);
            FloatVector.zero(FS).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(y, i);
        }
        relu(x, y, i, n);
    }

    @Override
    void reluBackward(float[] y, float[] d, float[] dx, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            VectorMask<Float> on = FloatVector.fromArray(FS, y, i).compare(VectorOperators.GT, 0f);
            FloatVector.fromArray(FS, d, i).mul(FloatVector.zero(FS).blend(1f, on)).intoArray(dx, i);
        }
        reluBackward(y, d, dx, i, n);
    }

    @Override
    void leakyRelu(float[] x, float a, float[] y, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromArray(FS, x, i);
            v.mul(a).blend(v, v.compare(VectorOperators.GE, 0f)).intoArray(y, i);
        }
        leakyRelu(x, a, y, i, n);
    }

    @Override
    void leakyReluBackward(float[] x, float a, float[] d, float[] dx, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            VectorMask<Float> on = FloatVector.fromArray(FS, x, i).compare(VectorOperators.GE, 0f);
            FloatVector.fromArray(FS, d, i).mul(FloatVector.broadcast(FS, a).blend(1f, on)).intoArray(dx, i);
        }
        leakyReluBackward(x, a, d, dx, i, n);
    }

    @Override
    void clipBackward(float[] x, float lo, float hi, float[] d, float[] dx, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromArray(FS, x, i);
            VectorMask<Float> in = v.compare(VectorOperators.GE, lo).and(v.compare(VectorOperators.LE, hi));
            FloatVector.zero(FS).blend(FloatVector.fromArray(FS, d, i), in).intoArray(dx, i);
        }
        clipBackward(x, lo, hi, d, dx, i, n);
    }
}
