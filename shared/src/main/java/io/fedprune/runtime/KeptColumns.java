package io.fedprune.runtime;

import java.util.Arrays;
import java.util.Objects;

/**
 * A k-of-n pruned matrix of single kept weights (WEIGHT or N:M granularity) stored by column (compressed sparse
 * columns): for every column the number of rows that keep it, then those rows (ascending) and their weights. Row
 * indices and counts are 16-bit unsigned ({@code char}) when the matrix has at most 65535 rows, else 32-bit. Values
 * are float32, or int8 with one scale per row, quantised as {@link KeptRuns} does.
 *
 * <p>For one sample it goes by input column and skips the inputs equal to a <em>base</em> value:
 * {@code W x = W (x - c) + c * rowSum(W)}, so only the columns with {@code x_j != c} are scattered into the outputs.
 * The base is 0 (ReLU's zeros) or, when more inputs equal it, the first input (an image's background after
 * normalisation, e.g. MNIST's {@code -0.4242} for a black pixel). Its speed therefore depends on how many inputs equal
 * the base: with none it does the multiply-adds of a row-by-row dot product, one scattered store each, plus a branch
 * per column. That per-column cost makes it pay only where columns keep many rows ({@link TierCompiler} picks it by
 * {@link #PAYS_FROM}). Several samples or positions: per kept weight a contiguous multiply-add over them.
 */
public final class KeptColumns implements Weights {
    /**
     * Mean kept rows per column from which this form is used instead of {@link KeptRuns}'s row-by-row dot products at
     * one sample (measured on LeNet-300-100 tiers with MNIST test images: at 30 rows per column the scatter took 0.37
     * of the dot products' time, at 10 about the same, at 2.5 three times as long).
     */
    public static final double PAYS_FROM = 12;

    private final int rows, cols;
    private final char[] count16, row16;   // per column the kept rows' count; per kept weight its row (rows <= 65535)
    private final int[] count32, row32;    // the same when rows > 65535
    private final float[] values;          // [kept], or null when int8
    private final byte[] quantized;        // [kept], or null when float32
    private final float[] scales;          // [rows] when int8
    private final float[] rowSums;         // [rows]: sum of a row's kept values (int8: of its levels)

    private KeptColumns(int rows, int cols, int[] counts, int[] rowOf, float[] values, boolean int8) {
        this.rows = rows;
        this.cols = cols;
        boolean narrow = rows <= 65535;
        this.count16 = narrow ? chars(counts) : null;
        this.row16 = narrow ? chars(rowOf) : null;
        this.count32 = narrow ? null : counts;
        this.row32 = narrow ? null : rowOf;
        double[] sums = new double[rows];
        if (!int8) {
            this.values = values;
            this.quantized = null;
            this.scales = null;
            for (int j = 0; j < values.length; j++) sums[rowOf[j]] += values[j];
        } else {
            float[] max = new float[rows];
            for (int j = 0; j < values.length; j++) max[rowOf[j]] = Math.max(max[rowOf[j]], Math.abs(values[j]));
            this.values = null;
            this.scales = new float[rows];
            for (int o = 0; o < rows; o++) scales[o] = max[o] / 127f;
            this.quantized = new byte[values.length];
            for (int j = 0; j < values.length; j++) {
                quantized[j] = KeptRuns.level(values[j], scales[rowOf[j]]);
                sums[rowOf[j]] += quantized[j];
            }
        }
        this.rowSums = new float[rows];
        for (int o = 0; o < rows; o++) rowSums[o] = (float) sums[o];
    }

    private static char[] chars(int[] a) {
        char[] c = new char[a.length];
        for (int i = 0; i < a.length; i++) c[i] = (char) a[i];
        return c;
    }

    /**
     * The kept weights of a masked row-major matrix, by column.
     *
     * @param weights row-major {@code [rows, cols]}
     * @param mask    same shape, non-zero where kept
     * @param int8    store int8 values with per-row scales instead of float32
     */
    public static KeptColumns fromMasked(int rows, int cols, float[] weights, float[] mask, boolean int8) {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(mask, "mask");
        if (rows < 1 || cols < 1 || weights.length != (long) rows * cols || mask.length != weights.length)
            throw new IllegalArgumentException("a " + rows + "x" + cols + " matrix needs " + (long) rows * cols
                    + " weights and mask entries, got " + weights.length + " and " + mask.length);
        int[] counts = new int[cols], rowOf = new int[weights.length];
        float[] vals = new float[weights.length];
        int kept = 0;
        for (int j = 0; j < cols; j++)
            for (int o = 0; o < rows; o++) {
                if (mask[o * cols + j] == 0) continue;
                rowOf[kept] = o;
                vals[kept++] = weights[o * cols + j];
                counts[j]++;
            }
        return new KeptColumns(rows, cols, counts, Arrays.copyOf(rowOf, kept), Arrays.copyOf(vals, kept), int8);
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    /** Whether values are int8 with per-row scales. */
    public boolean int8() {
        return quantized != null;
    }

    /** Whether row indices and counts are stored in 16 bits. */
    public boolean narrowIndices() {
        return row16 != null;
    }

    /** Rows that keep column {@code j}. */
    public int kept(int j) {
        return count16 != null ? count16[j] : count32[j];
    }

    private int row(int r) {
        return row16 != null ? row16[r] : row32[r];
    }

    private float value(int r) {
        return values != null ? values[r] : quantized[r] * scales[row(r)];
    }

    @Override
    public void multiplyAdd(float[] x, int xOff, int p, float[] y, int yOff) {
        if (p == 1) scatter(x, xOff, y, yOff);
        else columns(x, xOff, p, y, yOff);
    }

    /**
     * One sample: {@code y += W (x - c) + c * rowSum} over the columns whose input differs from the base c (int8:
     * levels accumulated per row first, then scaled).
     */
    private void scatter(float[] x, int xOff, float[] y, int yOff) {
        float c = base(x, xOff, cols);
        boolean int8 = quantized != null;
        float[] t = int8 ? new float[rows] : y;
        int tOff = int8 ? 0 : yOff;
        if (row16 != null && !int8) scatter16(x, xOff, c, values, t, tOff);
        else if (row16 != null) scatter16(x, xOff, c, quantized, t, tOff);
        else {
            for (int j = 0, r = 0; j < cols; j++) {
                int end = r + count32[j];
                float a = x[xOff + j] - c;
                if (a != 0) for (; r < end; r++) t[tOff + row32[r]] += a * (int8 ? quantized[r] : values[r]);
                r = end;
            }
        }
        if (c != 0) for (int o = 0; o < rows; o++) t[tOff + o] += c * rowSums[o];
        if (int8) for (int o = 0; o < rows; o++) y[yOff + o] += scales[o] * t[o];
    }

    private void scatter16(float[] x, int xOff, float c, float[] v, float[] t, int tOff) {
        final char[] n = count16, rs = row16;
        for (int j = 0, r = 0; j < cols; j++) {
            int end = r + n[j];
            float a = x[xOff + j] - c;   // 0 exactly when x_j == c (finite floats); NaN stays NaN
            if (a != 0) for (; r < end; r++) t[tOff + rs[r]] += a * v[r];
            r = end;
        }
    }

    private void scatter16(float[] x, int xOff, float c, byte[] q, float[] t, int tOff) {
        final char[] n = count16, rs = row16;
        for (int j = 0, r = 0; j < cols; j++) {
            int end = r + n[j];
            float a = x[xOff + j] - c;
            if (a != 0) for (; r < end; r++) t[tOff + rs[r]] += a * q[r];
            r = end;
        }
    }

    /**
     * The base value of one sample's inputs {@code x[xOff, xOff + n)}: its first input when more inputs equal that
     * than equal 0 (and it is finite), else 0. Inputs equal to the base cost nothing in the one-sample product.
     */
    public static float base(float[] x, int xOff, int n) {
        float first = x[xOff];
        if (first == 0 || !Float.isFinite(first)) return 0;
        int same = 0, zero = 0;
        for (int j = xOff; j < xOff + n; j++) {
            float v = x[j];
            same += v == first ? 1 : 0;
            zero += v == 0 ? 1 : 0;
        }
        return same > zero ? first : 0;
    }

    /** Several samples or positions: per kept weight a contiguous multiply-add over a row of X. */
    private void columns(float[] x, int xOff, int p, float[] y, int yOff) {
        for (int j = 0, r = 0; j < cols; j++) {
            int xi = xOff + j * p;
            for (int end = r + kept(j); r < end; r++) {
                float a = value(r);
                int yo = yOff + row(r) * p;
                for (int q = 0; q < p; q++) y[yo + q] += a * x[xi + q];
            }
        }
    }

    @Override
    public long bytes() {
        long idx = narrowIndices() ? 2L * (row16.length + count16.length) : 4L * (row32.length + count32.length);
        long vals = values != null ? 4L * values.length : quantized.length + 4L * scales.length;
        return idx + vals + 4L * rowSums.length;
    }

    @Override
    public long storedValues() {
        return values != null ? values.length : quantized.length;
    }

    @Override
    public float[] toDense() {
        float[] w = new float[rows * cols];
        for (int j = 0, r = 0; j < cols; j++)
            for (int end = r + kept(j); r < end; r++) w[row(r) * cols + j] = value(r);
        return w;
    }
}
