package io.fedprune.model;

import io.fedprune.dpp.VectorModule;

import java.util.Arrays;

/**
 * The nonzeros of a {@code [rows, cols]} weight matrix row by row (compressed sparse rows), and its product with a
 * batch of inputs: {@code y[b, r] = sum over the nonzero w[r, c] of w[r, c] * x[b, c]}. A masked layer (DPP's k-of-n
 * masks, a pruned tier) keeps a small fraction of its weights, and this product does only their multiply-adds where a
 * gemm does all of them.
 *
 * <p>The order of the sums is fixed: a row's nonzeros in ascending column order, the i-th of each whole group of
 * four into partial sum i and the last (up to three) into partial sum 0, each a fused multiply-add, the partial sums
 * starting from 0; then {@code (s0 + s1) + (s2 + s3)}. So the result is the same bits whatever the vector width
 * ({@link VectorSparseProduct}, lanes over the batch, or the scalar loop here); it differs from a gemm's in the last
 * bits only, and a zero weight contributes nothing even where the input is infinite or NaN (a gemm would give NaN).
 *
 * <p>Mutable and reused, one per layer (not thread-safe): {@link #set} refills the arrays, allocated once for the
 * largest density accepted.
 */
final class SparseRows {
    /**
     * The densest matrix kept sparse. Measured against the ND4J gemm on one BLAS thread (LeNet-300-100's fc1, 300 x
     * 784, the forward product against put, gemm, bias and get: break-even at density 0.3-0.4 at batch 128, 0.25-0.3
     * at batch 512, above 0.5 at batch 32; and a whole DPP step at keep 25% is faster sparse at batch 128 and 512):
     * see docs/BENCHMARKS.md.
     */
    static final double MAX_DENSITY = 0.3;
    /** Elements between two of the sample {@link #set} looks at first (a prime, so it does not follow the rows). */
    private static final int SAMPLE_STRIDE = 61, MIN_SAMPLE = 100;

    /** The product's loop and the scan for the nonzeros: vectorised when {@code jdk.incubator.vector} is present, else {@link #SCALAR}. */
    interface Product {
        /** {@code y[b * m.rows + r] = (sum over row r of m) + (add == null ? 0 : add[r])} for b in [0, batch). */
        void times(SparseRows m, float[] x, int batch, float[] y, float[] add);

        /** {@link SparseRows#compact}: the same contract and result, possibly by another loop. */
        default int compact(float[] w, int from, int len, int[] idx, float[] val, int n) {
            return SparseRows.compact(w, from, 0, len, idx, val, n);
        }
    }

    /** The scalar loop: the same operations in the same order as the vector one. */
    static final Product SCALAR = (m, x, batch, y, add) -> {
        int rows = m.rows, cols = m.cols;
        int[] start = m.start, idx = m.idx;
        float[] val = m.val;
        for (int b = 0; b < batch; b++) {
            int o = b * cols;
            for (int r = 0; r < rows; r++) {
                int t = start[r], e = start[r + 1];
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
                for (; t + 4 <= e; t += 4) {
                    s0 = Math.fma(x[o + idx[t]], val[t], s0);
                    s1 = Math.fma(x[o + idx[t + 1]], val[t + 1], s1);
                    s2 = Math.fma(x[o + idx[t + 2]], val[t + 2], s2);
                    s3 = Math.fma(x[o + idx[t + 3]], val[t + 3], s3);
                }
                for (; t < e; t++) s0 = Math.fma(x[o + idx[t]], val[t], s0);
                float s = (s0 + s1) + (s2 + s3);
                y[b * rows + r] = add == null ? s : s + add[r];
            }
        }
    };
    static final Product PRODUCT = vectorOrScalar();

    private static Product vectorOrScalar() {
        Product p = VectorModule.load("io.fedprune.model.VectorSparseProduct", Product.class);
        return p != null ? p : SCALAR;
    }

    final int rows, cols;
    final int[] start, idx;
    final float[] val;
    /** Scratch of the vector product (a panel of the input), grown on demand. */
    float[] panel = new float[0];
    private final int capacity;
    private int nnz;
    /** The transpose, kept for reuse; valid only if {@code hasTransposed}. */
    private SparseRows transposed;
    private boolean hasTransposed;

    /** An empty matrix of {@code rows x cols} that can hold up to {@code maxDensity} of its elements. */
    SparseRows(int rows, int cols, double maxDensity) {
        this(rows, cols, (int) Math.min((long) rows * cols, (long) Math.floor(maxDensity * rows * cols)));
    }

    private SparseRows(int rows, int cols, int capacity) {
        this.rows = rows;
        this.cols = cols;
        this.capacity = capacity;
        start = new int[rows + 1];
        idx = new int[capacity + cols];        // + cols: the branch-free compaction writes past the last nonzero
        val = new float[capacity + cols];
    }

    /**
     * Takes the nonzeros of {@code w} ({@code [rows, cols]} row-major); false (and the content undefined) if there
     * are more than the capacity. A large dense matrix is told by a sample of every 61st element first (more than
     * twice the capacity's density in it), so that dense training pays little for the check.
     */
    boolean set(float[] w) {
        hasTransposed = false;
        long len = (long) rows * cols, sampled = 0, nonzero = 0;
        for (int i = 0; i < len; i += SAMPLE_STRIDE, sampled++) nonzero += w[i] != 0f ? 1 : 0;
        if (sampled >= MIN_SAMPLE && nonzero > 2.0 * sampled * capacity / len) return false;
        int n = 0;
        for (int r = 0; r < rows; r++) {
            if (n > capacity) return false;
            start[r] = n;
            n = PRODUCT.compact(w, r * cols, cols, idx, val, n);
        }
        if (n > capacity) return false;
        start[rows] = n;
        nnz = n;
        return true;
    }

    /**
     * Appends the nonzeros of {@code w[from + c0, from + len)} at {@code n} (their offsets from {@code from} to idx,
     * the values to val) in order, and returns the new count; writes (garbage) up to {@code len - c0} slots past it.
     * Branch-free: masks are random, a branch would mispredict (measured slower, as is skipping blocks of zeros by a
     * vector test). The scalar loop; {@link VectorSparseProduct#compact} gives the same result by vectors.
     */
    static int compact(float[] w, int from, int c0, int len, int[] idx, float[] val, int n) {
        for (int c = c0; c < len; c++) {
            int bits = Float.floatToRawIntBits(w[from + c]);
            idx[n] = c;
            val[n] = Float.intBitsToFloat(bits);
            n += ((bits & 0x7fffffff) + 0x7fffffff) >>> 31;   // 1 unless +0 or -0
        }
        return n;
    }

    /** The number of nonzeros. */
    int nonzeros() {
        return nnz;
    }

    /** {@code y [batch, rows] = x [batch, cols] * this^T}, plus {@code add[r]} in column r if not null. */
    void times(float[] x, int batch, float[] y, float[] add) {
        PRODUCT.times(this, x, batch, y, add);
    }

    /** The transpose {@code [cols, rows]}, each row's nonzeros in ascending order; made once per {@link #set}. */
    SparseRows transposed() {
        if (hasTransposed) return transposed;
        if (transposed == null) transposed = new SparseRows(cols, rows, capacity);
        SparseRows t = transposed;
        int[] count = t.start;
        Arrays.fill(count, 0);
        for (int i = 0; i < nnz; i++) count[idx[i] + 1]++;
        for (int c = 0; c < cols; c++) count[c + 1] += count[c];
        int[] next = Arrays.copyOf(count, cols);
        for (int r = 0; r < rows; r++) {
            for (int i = start[r], e = start[r + 1]; i < e; i++) {
                int at = next[idx[i]]++;
                t.idx[at] = r;
                t.val[at] = val[i];
            }
        }
        t.nnz = nnz;
        hasTransposed = true;
        return t;
    }
}
