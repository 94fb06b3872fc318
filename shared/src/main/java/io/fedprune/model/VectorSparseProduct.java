package io.fedprune.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SparseRows.Product} with the JDK Vector API, loaded by {@link SparseRows} only when
 * {@code jdk.incubator.vector} is present. Lanes over the batch: L samples at a time are copied into a panel
 * {@code [cols, L]} (25 KB for 784 inputs, so it stays in L1 while every row reads it), and each row's nonzeros are
 * summed over the panel into four vector partial sums in the order of {@link SparseRows} (the same bits as its scalar
 * loop). Not used: two panels per pass (no faster), 16-lane vectors (the DPP step 3x slower on JDK 17).
 */
final class VectorSparseProduct implements SparseRows.Product {
    private static final VectorSpecies<Float> FS = VectorLanes.FS;
    private static final int L = FS.length();
    private static final VectorSpecies<Integer> IS = FS.withLanes(int.class);
    /**
     * Per lane pattern p (bit l set: lane l is nonzero): the set lanes' numbers in ascending order at
     * {@code [p * L, p * L + bitCount(p))}, zeros after them; the same as a shuffle in {@code GATHER[p]}.
     */
    private static final int[] SET_LANES = new int[L << L];
    private static final VectorShuffle<Float>[] GATHER = gathers();
    /** Lane l holds {@code 1 << l}. */
    private static final IntVector LANE_BIT = IntVector.broadcast(IS, 1).lanewise(VectorOperators.LSHL, IntVector.zero(IS).addIndex(1));

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] gathers() {
        VectorShuffle<Float>[] g = new VectorShuffle[1 << L];
        for (int p = 0; p < 1 << L; p++) {
            int t = 0;
            for (int l = 0; l < L; l++) if ((p >> l & 1) != 0) SET_LANES[p * L + t++] = l;
            g[p] = VectorShuffle.fromArray(FS, SET_LANES, p * L);
        }
        return g;
    }

    @Override
    public void times(SparseRows m, float[] x, int batch, float[] y, float[] add) {
        int cols = m.cols, rows = m.rows;
        if (m.panel.length < L * cols) m.panel = new float[L * cols];
        float[] panel = m.panel, lanes = new float[L];
        for (int b0 = 0; b0 < batch; b0 += L) {
            int n = Math.min(L, batch - b0);
            pack(x, b0, n, cols, panel);
            for (int r = 0; r < rows; r++) {
                row(m.start[r], m.start[r + 1], m.idx, m.val, panel, lanes);
                int o = b0 * rows + r;
                if (add == null) for (int l = 0; l < n; l++) y[o + l * rows] = lanes[l];
                else for (int l = 0; l < n; l++) y[o + l * rows] = lanes[l] + add[r];
            }
        }
    }

    /**
     * {@link SparseRows#compact} by vectors: per L weights, the lanes that are not +0 or -0 (by their bits, as the
     * scalar loop) form a pattern p, and the weights and their columns are moved to the front by p's shuffle and
     * stored whole at n (the lanes past the nonzeros are the garbage the contract allows); the tail by the scalar
     * loop. The same idx and val. (JDK 17 has no vector compress, and a mask's toLong is not intrinsic there: p is
     * summed from the lanes' bits.)
     */
    @Override
    public int compact(float[] w, int from, int len, int[] idx, float[] val, int n) {
        int c = 0;
        for (; c + L <= len; c += L) {
            FloatVector v = FloatVector.fromArray(FS, w, from + c);
            int p = v.reinterpretAsInts().lanewise(VectorOperators.AND, 0x7fffffff).add(0x7fffffff)
                    .lanewise(VectorOperators.ASHR, 31).and(LANE_BIT).reduceLanes(VectorOperators.ADD);
            v.rearrange(GATHER[p]).intoArray(val, n);
            IntVector.fromArray(IS, SET_LANES, p * L).add(c).intoArray(idx, n);
            n += Integer.bitCount(p);
        }
        return SparseRows.compact(w, from, c, len, idx, val, n);
    }

    /** Samples {@code [b0, b0 + n)} of x into the panel, {@code panel[c * L + l] = x[b0 + l, c]}, lanes past n zero. */
    private static void pack(float[] x, int b0, int n, int cols, float[] panel) {
        for (int l = 0; l < L; l++) {
            if (l >= n) {
                for (int c = 0; c < cols; c++) panel[c * L + l] = 0f;
                continue;
            }
            int o = (b0 + l) * cols;
            for (int c = 0; c < cols; c++) panel[c * L + l] = x[o + c];
        }
    }

    private static void row(int t, int e, int[] idx, float[] val, float[] panel, float[] lanes) {
        FloatVector s0 = FloatVector.zero(FS), s1 = FloatVector.zero(FS), s2 = FloatVector.zero(FS), s3 = FloatVector.zero(FS);
        for (; t + 4 <= e; t += 4) {
            s0 = FloatVector.fromArray(FS, panel, idx[t] * L).fma(FloatVector.broadcast(FS, val[t]), s0);
            s1 = FloatVector.fromArray(FS, panel, idx[t + 1] * L).fma(FloatVector.broadcast(FS, val[t + 1]), s1);
            s2 = FloatVector.fromArray(FS, panel, idx[t + 2] * L).fma(FloatVector.broadcast(FS, val[t + 2]), s2);
            s3 = FloatVector.fromArray(FS, panel, idx[t + 3] * L).fma(FloatVector.broadcast(FS, val[t + 3]), s3);
        }
        for (; t < e; t++) s0 = FloatVector.fromArray(FS, panel, idx[t] * L).fma(FloatVector.broadcast(FS, val[t]), s0);
        s0.add(s1).add(s2.add(s3)).intoArray(lanes, 0);
    }
}
