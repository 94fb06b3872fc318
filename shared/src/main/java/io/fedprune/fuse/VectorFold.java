package io.fedprune.fuse;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FixedSum}'s fold, lane-wise: the same bound check, fused multiply-add rounding and integer addition per element
 * as the scalar loop, so the same bits; and ranking a row from its order with gathers and scatters
 * ({@link RowOps.FromOrder}: the same ranks). Loaded by {@link FixedSum} and {@link RowOps} only when
 * {@code jdk.incubator.vector} is present.
 */
final class VectorFold implements FixedSum.Fold, RowOps.FromOrder {
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FI = VectorSpecies.of(float.class, I.vectorShape());
    private static final float[] IOTA = new float[I.length()];

    static {
        for (int i = 0; i < IOTA.length; i++) IOTA[i] = i;
    }
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(D.length() * Float.SIZE));
    private static final DoubleVector MAGIC = DoubleVector.broadcast(D, FixedSum.MAGIC);
    private static final LongVector MAGIC_BITS = LongVector.broadcast(L, FixedSum.MAGIC_BITS);

    @Override
    public boolean add(long[] a, float[] x, int at, int len, double wa, float bound) {
        DoubleVector w = DoubleVector.broadcast(D, wa);
        VectorMask<Float> ok = F.maskAll(true);
        int i = 0;
        for (int end = F.loopBound(len); i < end; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, at + i);
            VectorMask<Float> in = v.abs().compare(VectorOperators.LE, bound);
            ok = ok.and(in);
            LongVector.fromArray(L, a, at + i).add(term(v, in, w)).intoArray(a, at + i);
        }
        return FixedSum.addFrom(a, x, at, i, len, wa, bound) & ok.allTrue();
    }

    @Override
    public boolean add2(long[] a, long[] b, float[] x, float[] r, int at, int len, double wa, double wb, float bound) {
        DoubleVector w = DoubleVector.broadcast(D, wa), wr = DoubleVector.broadcast(D, wb);
        VectorMask<Float> ok = F.maskAll(true);
        int i = 0;
        for (int end = F.loopBound(len); i < end; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, at + i), rank = FloatVector.fromArray(F, r, i);
            VectorMask<Float> in = v.abs().compare(VectorOperators.LE, bound), set = rank.compare(VectorOperators.GE, 0f);
            ok = ok.and(in).and(set);
            LongVector.fromArray(L, a, at + i).add(term(v, in, w)).intoArray(a, at + i);
            LongVector.fromArray(L, b, at + i).add(term(rank, set, wr)).intoArray(b, at + i);
        }
        return FixedSum.add2From(a, b, x, r, at, i, len, wa, wb, bound) & ok.allTrue();
    }

    /** round(v * w) per lane, 0 where {@code in} is false. */
    private static LongVector term(FloatVector v, VectorMask<Float> in, DoubleVector w) {
        DoubleVector d = (DoubleVector) FloatVector.zero(F).blend(v, in).convertShape(VectorOperators.F2D, D, 0);
        return d.fma(w, MAGIC).reinterpretAsLongs().sub(MAGIC_BITS);
    }

    @Override
    public boolean rank(float[] x, int[] ascending, int off, int n, float[] out, float[] sorted) {
        VectorMask<Float> nan = FI.maskAll(false);   // reads the row in order first (the gathers below then find it in
        for (int j = 0, e = FI.loopBound(n); j < e; j += FI.length()) {   // cache: they visit it at random) and refuses NaN
            FloatVector v = FloatVector.fromArray(FI, x, off + j);
            nan = nan.or(v.compare(VectorOperators.NE, v));
        }
        if (nan.anyTrue()) return false;
        IntVector rowLength = IntVector.broadcast(I, n);
        VectorMask<Integer> outside = I.maskAll(false);
        int t = 0, end = I.loopBound(n);
        for (; t < end; t += I.length())                                   // positions within the row, before any gather
            outside = outside.or(IntVector.fromArray(I, ascending, off + t).compare(VectorOperators.UNSIGNED_GE, rowLength));
        for (; t < n; t++) if (ascending[off + t] < 0 || ascending[off + t] >= n) return false;
        if (outside.anyTrue()) return false;
        java.util.Arrays.fill(out, 0, n, -1f);                                // a position listed twice leaves one unset
        FloatVector rank = FloatVector.fromArray(FI, IOTA, 0), step = FloatVector.broadcast(FI, I.length());
        for (t = 0; t < end; t += I.length(), rank = rank.add(step)) {
            FloatVector.fromArray(FI, x, off, ascending, off + t).intoArray(sorted, t);
            rank.intoArray(out, 0, ascending, off + t);
        }
        for (; t < n; t++) {
            sorted[t] = x[off + ascending[off + t]];
            out[ascending[off + t]] = t;
        }
        VectorMask<Float> down = FI.maskAll(false), tie = FI.maskAll(false);
        for (t = 0, end = FI.loopBound(n - 1); t < end; t += FI.length()) {
            FloatVector a = FloatVector.fromArray(FI, sorted, t), b = FloatVector.fromArray(FI, sorted, t + 1);
            down = down.or(a.compare(VectorOperators.LE, b).not());                   // NaN too
            tie = tie.or(a.compare(VectorOperators.EQ, b));
        }
        boolean ties = tie.anyTrue();
        for (; t < n - 1; t++) {
            if (!(sorted[t] <= sorted[t + 1])) return false;
            ties |= sorted[t] == sorted[t + 1];
        }
        if (down.anyTrue() || n == 1 && Float.isNaN(sorted[0])) return false;
        if (ties) RowOps.averageTies(ascending, off, n, out, sorted);
        return true;
    }
}
