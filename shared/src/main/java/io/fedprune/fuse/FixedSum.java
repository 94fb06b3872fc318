package io.fedprune.fuse;

import io.fedprune.dpp.VectorModule;

/**
 * An element-wise weighted sum in fixed point: every term {@code w * x} is rounded once, to the nearest multiple of
 * {@code 1 / scale} (ties to even), and added to a {@code long}. Integer additions are exact, so the sum, and everything
 * computed from it, does not depend on the order of the terms: the same set of updates gives the same bits in any
 * arrival order, and subtracting the same terms undoes an addition exactly. The scale is a power of two fixed when the
 * sum is made ({@link FoldBounds#scale}); the error of a term is at most {@code 1 / (2 scale)}, so a fused mean is within
 * {@code count / (2 scale total)} of the exact weighted mean (for a LeNet-300-100 round of 200 devices of weight up to
 * sqrt(6000): about 2^-27 relative to the weights, far below a float32 ulp of the result).
 *
 * <p>Rounding: with {@code M = 1.5 * 2^52}, {@code fma(x, w * scale, M)} is {@code M + round(x * w * scale)} exactly while
 * that term is within 2^51, and its bits minus M's bits are the rounded term as a long: one fused multiply-add, no
 * conversion instruction. Values outside the sum's bound (and NaN, infinities) add nothing and make the call return
 * false, so the caller can check and fold in the same pass. Float inputs are folded lane-wise ({@code VectorFold}) when
 * {@code jdk.incubator.vector} is present; every lane does the scalar loop's exact operations, so the bits are the same.
 */
final class FixedSum {
    static final double MAGIC = 0x1.8p52;
    static final long MAGIC_BITS = Double.doubleToRawLongBits(MAGIC);

    /** Adds rounded terms to {@code long} sums, element-wise; out-of-bound values add nothing. */
    interface Fold {
        /**
         * {@code a[at + i] += round(x[at + i] * wa)} for {@code i < len}.
         *
         * @return whether every {@code |x[at + i]| <= bound} (false for NaN)
         */
        boolean add(long[] a, float[] x, int at, int len, double wa, float bound);

        /**
         * {@code a[at + i] += round(x[at + i] * wa)} and {@code b[at + i] += round(r[rAt + i] * wb)} for {@code i < len}:
         * two sums in one pass, {@code r} a row of twice-ranks ({@link RowRanks}), which it checks: a value outside
         * [0, 2 len - 2] adds nothing, like an out-of-bound {@code x}, and fails the call, as does a row whose sum or sum
         * of squares is not a ranking's ({@link RowRanks#looksLikeRanking}; its values are added all the same, so that
         * folding the row again with {@code -wa, -wb} undoes it exactly).
         *
         * @return whether every {@code |x[at + i]| <= bound} and the row looks like a ranking
         */
        boolean add2(long[] a, long[] b, float[] x, int[] r, int at, int rAt, int len, double wa, double wb, float bound);
    }

    /** The scalar fold, also the vector fold's tail. */
    static final Fold SCALAR = new Fold() {
        @Override
        public boolean add(long[] a, float[] x, int at, int len, double wa, float bound) {
            return addFrom(a, x, at, 0, len, wa, bound);
        }

        @Override
        public boolean add2(long[] a, long[] b, float[] x, int[] r, int at, int rAt, int len, double wa, double wb, float bound) {
            return add2From(a, b, x, r, at, rAt, 0, len, wa, wb, bound, 0, 0);
        }
    };
    private static final Fold VECTOR = VectorModule.load("io.fedprune.fuse.VectorFold", Fold.class);
    static final Fold FOLD = VECTOR != null ? VECTOR : SCALAR;

    final long[] sum;
    final double scale;
    private final float bound;

    /** A sum of {@code size} elements of terms {@code w * v}, {@code |v| <= bound}, within the fold's bounds. */
    FixedSum(int size, double bound, FoldBounds bounds) {
        sum = new long[size];
        scale = bounds.scale(bound);
        this.bound = (float) bound;
    }

    /** The rounded term {@code round(x * ws)}, 0 outside the bound. */
    static long term(double x, double ws, float bound) {
        return Math.abs(x) <= bound ? Double.doubleToRawLongBits(Math.fma(x, ws, MAGIC)) - MAGIC_BITS : 0;
    }

    static boolean addFrom(long[] a, float[] x, int at, int from, int len, double wa, float bound) {
        boolean ok = true;
        for (int i = from; i < len; i++) {
            float v = x[at + i];
            ok &= Math.abs(v) <= bound;
            a[at + i] += term(v, wa, bound);
        }
        return ok;
    }

    /**
     * {@link Fold#add2} from element {@code from} on (the vector fold's tail), given the sum and sum of squares of the
     * twice-ranks before it; whether this part's values are within their bounds and the whole row looks like a ranking.
     */
    static boolean add2From(long[] a, long[] b, float[] x, int[] r, int at, int rAt, int from, int len, double wa, double wb,
                            float bound, long rankSum, long rankSquares) {
        boolean ok = true;
        for (int i = from; i < len; i++) {
            float v = x[at + i];
            ok &= Math.abs(v) <= bound;
            a[at + i] += term(v, wa, bound);
            int q = r[rAt + i];
            boolean in = q >= 0 && q <= 2 * len - 2;
            ok &= in;
            b[at + i] += in ? term(q, wb, Float.MAX_VALUE) : 0;
            rankSum += q;
            rankSquares += (long) q * q;
        }
        return ok && RowRanks.looksLikeRanking(len, rankSum, rankSquares);
    }

    /** Adds {@code w * x[at, at + len)} to elements {@code [at, at + len)}; false (and nothing added) where out of bound. */
    boolean add(float[] x, int at, int len, double w) {
        return FOLD.add(sum, x, at, len, w * scale, bound);
    }

    /** Adds {@code w * x} (values within the bound) element-wise; scalar (for per-row scores computed in double). */
    void add(double[] x, double w) {
        double ws = w * scale;
        for (int i = 0; i < x.length; i++) sum[i] += term(x[i], ws, Float.MAX_VALUE);
    }

    /**
     * Adds this sum's rounded {@code w * x[at, at + len)} and {@code other}'s {@code wo * r[rAt, rAt + len)} in one pass,
     * {@code r} a row's twice-ranks ({@link Fold#add2}: false if a logit is out of bound or the row is no ranking).
     */
    boolean add2(FixedSum other, float[] x, int[] r, int at, int rAt, int len, double w, double wo) {
        return FOLD.add2(sum, other.sum, x, r, at, rAt, len, w * scale, wo * other.scale, bound);
    }

    /** Checks that {@code other} is a sum of the same size and scale (so that {@link #add(FixedSum)} is exact). */
    void check(FixedSum other) {
        if (other.sum.length != sum.length || other.scale != scale || other.bound != bound)
            throw new IllegalArgumentException("sums of different sizes or scales do not merge");
    }

    /** Adds another sum of the same size and scale element-wise: exact, as adding its terms here would have been. */
    void add(FixedSum other) {
        check(other);
        for (int i = 0; i < sum.length; i++) sum[i] += other.sum[i];
    }

    /** Element {@code i} of the sum divided by {@code divisor}. */
    double divided(int i, double divisor) {
        return sum[i] * (1 / (scale * divisor));
    }

    /** The sum divided by {@code divisor}, as doubles: {@code sum * (1 / (scale * divisor))}, a function of the exact sum. */
    double[] divided(double divisor) {
        double f = 1 / (scale * divisor);
        double[] out = new double[sum.length];
        for (int i = 0; i < out.length; i++) out[i] = sum[i] * f;
        return out;
    }

    /** The sum as keys whose unsigned order is the sums' order (the sign bit flipped). */
    long[] keys() {
        long[] out = new long[sum.length];
        for (int i = 0; i < out.length; i++) out[i] = sum[i] ^ Long.MIN_VALUE;
        return out;
    }

    /** {@link #divided(double)} rounded to float. */
    float[] dividedToFloat(double divisor) {
        double f = 1 / (scale * divisor);
        float[] out = new float[sum.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) (sum[i] * f);
        return out;
    }
}
