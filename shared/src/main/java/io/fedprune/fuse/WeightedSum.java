package io.fedprune.fuse;

import io.fedprune.dpp.VectorModule;

/**
 * An element-wise weighted sum accumulated in double-double arithmetic: each product w * x is split exactly into a
 * double and its rounding error (fused multiply-add), and added with Knuth's two-sum. The result is accurate to about
 * 100 bits, so rounding it to double (and float) does not depend on the order of the additions. Float inputs are
 * folded lane-wise ({@code VectorFold}) when {@code jdk.incubator.vector} is present: every lane does the same exact
 * operations as the scalar loop, so the bits are the same either way.
 */
final class WeightedSum {
    /** Adds {@code w * x} to {@code (hi, lo)} element-wise. */
    interface Fold {
        void add(double[] hi, double[] lo, float[] x, double w);
    }

    static final Fold SCALAR = (hi, lo, x, w) -> addFrom(hi, lo, x, w, 0);
    private static final Fold VECTOR = VectorModule.load("io.fedprune.fuse.VectorFold", Fold.class);
    static final Fold FOLD = VECTOR != null ? VECTOR : SCALAR;

    private final double[] hi;
    private final double[] lo;

    WeightedSum(int size) {
        hi = new double[size];
        lo = new double[size];
    }

    void add(float[] x, double w) {
        FOLD.add(hi, lo, x, w);
    }

    void add(double[] x, double w) {
        add(0, x, x.length, w);
    }

    /** Adds {@code w * x[0..len)} to elements {@code [at, at + len)}. */
    void add(int at, double[] x, int len, double w) {
        for (int i = 0; i < len; i++) add(hi, lo, at + i, x[i], w);
    }

    /** The scalar fold of {@code x[from..)} (the vector fold's tail). */
    static void addFrom(double[] hi, double[] lo, float[] x, double w, int from) {
        for (int i = from; i < x.length; i++) add(hi, lo, i, x[i], w);
    }

    private static void add(double[] hi, double[] lo, int i, double x, double w) {
        double p = w * x;
        double pe = Math.fma(w, x, -p);
        double a = hi[i];
        double s = a + p;
        double bb = s - a;
        double e = (a - (s - bb)) + (p - bb);
        hi[i] = s;
        lo[i] += e + pe;
    }

    /** The sum divided by {@code divisor}, as doubles. */
    double[] divided(double divisor) {
        double[] out = new double[hi.length];
        for (int i = 0; i < out.length; i++) out[i] = (hi[i] + lo[i]) / divisor;
        return out;
    }
}
