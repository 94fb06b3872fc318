package io.fedprune.fuse;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link WeightedSum}'s fold, lane-wise: the same exact product split (fused multiply-add) and two-sum per element as
 * the scalar loop, so the same bits. Loaded by {@link WeightedSum} only when {@code jdk.incubator.vector} is present.
 */
final class VectorFold implements WeightedSum.Fold {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(D.length() * Float.SIZE));

    @Override
    public void add(double[] hi, double[] lo, float[] x, double w) {
        DoubleVector wv = DoubleVector.broadcast(D, w);
        int i = 0;
        for (int end = D.loopBound(x.length); i < end; i += D.length()) {
            DoubleVector xv = (DoubleVector) FloatVector.fromArray(F, x, i).convertShape(VectorOperators.F2D, D, 0);
            DoubleVector p = xv.mul(wv);
            DoubleVector pe = xv.fma(wv, p.neg());
            DoubleVector a = DoubleVector.fromArray(D, hi, i);
            DoubleVector s = a.add(p);
            DoubleVector bb = s.sub(a);
            DoubleVector e = a.sub(s.sub(bb)).add(p.sub(bb));
            s.intoArray(hi, i);
            DoubleVector.fromArray(D, lo, i).add(e.add(pe)).intoArray(lo, i);
        }
        WeightedSum.addFrom(hi, lo, x, w, i);
    }
}
