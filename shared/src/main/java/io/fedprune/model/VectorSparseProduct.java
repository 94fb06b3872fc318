package io.fedprune.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SparseRows.Product} with the JDK Vector API, loaded by {@link SparseRows} only when
 * {@code jdk.incubator.vector} is present. Lanes over the batch: L samples at a time are copied into a panel
 * {@code [cols, L]} (25 KB for 784 inputs, so it stays in L1 while every row reads it), and each row's nonzeros are
 * summed over the panel into four vector partial sums in the order of {@link SparseRows} (the same bits as its scalar
 * loop). Not used: two panels per pass (no faster), 16-lane vectors (the DPP step 3x slower on JDK 17).
 */
final class VectorSparseProduct implements SparseRows.Product {
    /** At most 8 lanes (256 bits), as the DPP kernels. */
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED.length() >= 8 ? FloatVector.SPECIES_256
            : FloatVector.SPECIES_PREFERRED;
    private static final int L = FS.length();

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
