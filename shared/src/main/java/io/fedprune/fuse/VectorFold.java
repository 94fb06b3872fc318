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
 * as the scalar loop, so the same bits, and for {@link #add2} the same checks of a row's twice-ranks (their sum and sum of
 * squares gathered in long lanes). Loaded by {@link FixedSum} only when {@code jdk.incubator.vector} is present.
 */
final class VectorFold implements FixedSum.Fold {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(D.length() * Float.SIZE));
    private static final VectorSpecies<Integer> R = VectorSpecies.of(int.class, F.vectorShape());
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
    public boolean add2(long[] a, long[] b, float[] x, int[] r, int at, int rAt, int len, double wa, double wb, float bound) {
        DoubleVector w = DoubleVector.broadcast(D, wa), wr = DoubleVector.broadcast(D, wb);
        IntVector top = IntVector.broadcast(R, 2 * len - 2);
        VectorMask<Float> ok = F.maskAll(true);
        VectorMask<Integer> inRange = R.maskAll(true);
        LongVector sum = LongVector.zero(L), squares = LongVector.zero(L);
        int i = 0;
        for (int end = F.loopBound(len); i < end; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, at + i);
            IntVector q = IntVector.fromArray(R, r, rAt + i);
            VectorMask<Float> in = v.abs().compare(VectorOperators.LE, bound);
            VectorMask<Integer> set = q.compare(VectorOperators.UNSIGNED_LE, top);
            ok = ok.and(in);
            inRange = inRange.and(set);
            LongVector.fromArray(L, a, at + i).add(term(v, in, w)).intoArray(a, at + i);
            LongVector ql = (LongVector) q.convertShape(VectorOperators.I2L, L, 0);
            sum = sum.add(ql);
            squares = squares.add(ql.mul(ql));
            DoubleVector d = (DoubleVector) IntVector.zero(R).blend(q, set).convertShape(VectorOperators.I2D, D, 0);
            LongVector.fromArray(L, b, at + i).add(rounded(d, wr)).intoArray(b, at + i);
        }
        return FixedSum.add2From(a, b, x, r, at, rAt, i, len, wa, wb, bound, sum.reduceLanes(VectorOperators.ADD),
                squares.reduceLanes(VectorOperators.ADD)) & ok.allTrue() & inRange.allTrue();
    }

    /** round(v * w) per lane, 0 where {@code in} is false. */
    private static LongVector term(FloatVector v, VectorMask<Float> in, DoubleVector w) {
        return rounded((DoubleVector) FloatVector.zero(F).blend(v, in).convertShape(VectorOperators.F2D, D, 0), w);
    }

    /** round(d * w) per lane, as {@link FixedSum#term} rounds: one fused multiply-add onto MAGIC, MAGIC's bits subtracted. */
    private static LongVector rounded(DoubleVector d, DoubleVector w) {
        return d.fma(w, MAGIC).reinterpretAsLongs().sub(MAGIC_BITS);
    }
}
