package io.fedprune.fuse;

/**
 * An element-wise weighted sum accumulated in double-double arithmetic: each product w * x is split exactly into a
 * double and its rounding error (fused multiply-add), and added with Knuth's two-sum. The result is accurate to about
 * 100 bits, so rounding it to double (and float) does not depend on the order of the additions.
 */
final class WeightedSum {
    private final double[] hi;
    private final double[] lo;

    WeightedSum(int size) {
        hi = new double[size];
        lo = new double[size];
    }

    void add(float[] x, double w) {
        for (int i = 0; i < x.length; i++) add(i, x[i], w);
    }

    void add(double[] x, double w) {
        add(0, x, x.length, w);
    }

    /** Adds {@code w * x[0..len)} to elements {@code [at, at + len)}. */
    void add(int at, double[] x, int len, double w) {
        for (int i = 0; i < len; i++) add(at + i, x[i], w);
    }

    private void add(int i, double x, double w) {
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
