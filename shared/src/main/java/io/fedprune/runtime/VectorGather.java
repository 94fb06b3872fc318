package io.fedprune.runtime;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link KeptRuns.Gather} with the JDK Vector API, loaded by {@link KeptRuns} only when {@code jdk.incubator.vector}
 * is present. Per row: the row's 16-bit columns are widened, L at a time, into a small int scratch (the Vector API
 * gathers take {@code int[]} indices; the stored matrix keeps its {@code char} columns and its bytes), then L inputs
 * are gathered and multiplied into one vector partial sum with FMA (int8 weights widened to float, the row's scale
 * applied by the caller); the caller sums the last {@code k mod L} weights of a row with its scalar loop. Not the same
 * bits as the scalar loop (another summation order). Tried and not kept (CPU time per call, LeNet-300 fc1 at 10% keep,
 * under load): 16 lanes (slower), widening a whole row by a scalar loop (slower), two accumulators unrolled with a vector
 * tail step (C2 boxed the vectors: 33 KB of heap per call). The gathers bound the loop: with the widening left out
 * it took about as long. Fewer than 8 lanes leave no 64-bit byte species: the class then fails
 * to load and {@link KeptRuns} keeps its scalar loop.
 */
final class VectorGather implements KeptRuns.Gather {
    /** At most 8 lanes (256 bits), as the DPP kernels. */
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED.length() >= 8 ? FloatVector.SPECIES_256
            : FloatVector.SPECIES_PREFERRED;
    private static final int L = FS.length();
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());
    private static final VectorSpecies<Short> SS = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final VectorSpecies<Byte> BS = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));

    @Override
    public float dot(int from, int to, char[] cols, float[] v, byte[] q, float[] x, int xOff, int[] idx) {
        FloatVector s = FloatVector.zero(FS);
        for (int r = from; r < to; r += L) {
            widen(cols, r, idx);
            FloatVector w = v != null ? FloatVector.fromArray(FS, v, r) : (FloatVector) ByteVector.fromArray(BS, q, r).convertShape(VectorOperators.B2F, FS, 0);
            s = FloatVector.fromArray(FS, x, xOff, idx, 0).fma(w, s);
        }
        return s.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public int lanes() {
        return L;
    }

    private static void widen(char[] cols, int r, int[] idx) {
        ((IntVector) ShortVector.fromCharArray(SS, cols, r).convertShape(VectorOperators.S2I, IS, 0)).and(0xFFFF).intoArray(idx, 0);
    }
}
