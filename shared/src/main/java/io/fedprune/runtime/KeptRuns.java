package io.fedprune.runtime;

import java.util.Arrays;
import java.util.Objects;

/**
 * A k-of-n pruned matrix in compact form: per row only the kept weights, as runs of {@code run} consecutive columns
 * (1 weight for WEIGHT and N:M granularity, a {@code kh*kw} kernel for KERNEL), each run stored by its first column.
 * Columns are 16-bit unsigned ({@code char}) when the matrix has at most 65536 columns, else 32-bit. Values are
 * float32, or int8 with one scale per row ({@code w = q * scale[row]}, symmetric, {@code scale = max|w| / 127}).
 *
 * <p>The product only touches kept weights (a gather per kept weight at one sample, a contiguous multiply-add over
 * the samples or positions otherwise): no multiplication by a pruned zero. Rows may keep different numbers of runs
 * (a row's inputs dropped by a FILTER-pruned previous layer are gone), so rows are delimited by {@code rowStart}.
 */
public final class KeptRuns implements Weights {
    private final int rows, cols, run;
    private final int[] rowStart;     // [rows + 1], run index
    private final char[] narrow;      // first column of each run, or null
    private final int[] wide;         // first column of each run when cols > 65536, or null
    private final float[] values;     // [runs * run], or null when int8
    private final byte[] quantized;   // [runs * run], or null when float32
    private final float[] scales;     // [rows] when int8

    private KeptRuns(int rows, int cols, int run, int[] rowStart, int[] starts, float[] values, boolean int8) {
        this.rows = rows;
        this.cols = cols;
        this.run = run;
        this.rowStart = rowStart;
        boolean fits = cols <= 65536;
        this.narrow = fits ? new char[starts.length] : null;
        this.wide = fits ? null : starts;
        if (fits) for (int r = 0; r < starts.length; r++) narrow[r] = (char) starts[r];
        if (!int8) {
            this.values = values;
            this.quantized = null;
            this.scales = null;
        } else {
            this.values = null;
            this.quantized = new byte[values.length];
            this.scales = new float[rows];
            for (int o = 0; o < rows; o++) {
                int from = rowStart[o] * run, to = rowStart[o + 1] * run;
                float max = 0;
                for (int j = from; j < to; j++) max = Math.max(max, Math.abs(values[j]));
                float s = max / 127f;
                scales[o] = s;
                for (int j = from; j < to; j++) quantized[j] = level(values[j], s);
            }
        }
    }

    /** The int8 level of {@code w} at scale {@code s} (a row's {@code max|w| / 127}): symmetric, rounded, in [-127, 127]. */
    static byte level(float w, float s) {
        return s == 0 ? 0 : (byte) Math.max(-127, Math.min(127, Math.round(w / s)));
    }

    /**
     * The kept runs of a masked row-major matrix: every aligned block of {@code run} columns ({@code [j*run,
     * (j+1)*run)}) whose mask is non-zero is kept with its weights (a block must be wholly kept or wholly pruned).
     *
     * @param weights row-major {@code [rows, cols]}
     * @param mask    same shape, non-zero where kept
     * @param int8    store int8 values with per-row scales instead of float32
     */
    public static KeptRuns fromMasked(int rows, int cols, int run, float[] weights, float[] mask, boolean int8) {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(mask, "mask");
        if (rows < 1 || cols < 1 || run < 1 || cols % run != 0)
            throw new IllegalArgumentException("run " + run + " must divide cols " + cols + " (rows " + rows + ")");
        if (weights.length != (long) rows * cols || mask.length != weights.length)
            throw new IllegalArgumentException("a " + rows + "x" + cols + " matrix needs " + (long) rows * cols
                    + " weights and mask entries, got " + weights.length + " and " + mask.length);
        int[] rowStart = new int[rows + 1];
        int[] starts = new int[rows * (cols / run)];
        float[] vals = new float[weights.length];
        int runs = 0;
        for (int o = 0; o < rows; o++) {
            for (int c = 0; c < cols; c += run) {
                int base = o * cols + c, on = 0;
                for (int t = 0; t < run; t++) if (mask[base + t] != 0) on++;
                if (on == 0) continue;
                if (on != run) throw new IllegalArgumentException("row " + o + ": columns " + c + ".." + (c + run - 1) + " are partly kept");
                starts[runs] = c;
                System.arraycopy(weights, base, vals, runs * run, run);
                runs++;
            }
            rowStart[o + 1] = runs;
        }
        return new KeptRuns(rows, cols, run, rowStart, Arrays.copyOf(starts, runs), Arrays.copyOf(vals, runs * run), int8);
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    /** Columns per run. */
    public int run() {
        return run;
    }

    /** Whether values are int8 with per-row scales. */
    public boolean int8() {
        return quantized != null;
    }

    /** Whether run starts are stored in 16 bits. */
    public boolean narrowIndices() {
        return narrow != null;
    }

    private int start(int r) {
        return narrow != null ? narrow[r] : wide[r];
    }

    @Override
    public void multiplyAdd(float[] x, int xOff, int p, float[] y, int yOff) {
        if (p == 1 && run == 1) gatherDots(x, xOff, y, yOff);
        else if (p == 1) runDots(x, xOff, y, yOff);
        else columns(x, xOff, p, y, yOff);
    }

    /** One sample, single-weight runs: per row a dot product of the kept values with the gathered inputs. */
    private void gatherDots(float[] x, int xOff, float[] y, int yOff) {
        final char[] n16 = narrow;
        final int[] n32 = wide;
        final float[] v = values;
        final byte[] q = quantized;
        for (int o = 0; o < rows; o++) {
            int r = rowStart[o], end = rowStart[o + 1];
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            if (n16 != null && v != null) {
                for (; r + 3 < end; r += 4) {
                    s0 += v[r] * x[xOff + n16[r]];
                    s1 += v[r + 1] * x[xOff + n16[r + 1]];
                    s2 += v[r + 2] * x[xOff + n16[r + 2]];
                    s3 += v[r + 3] * x[xOff + n16[r + 3]];
                }
            } else if (n16 != null) {
                for (; r + 3 < end; r += 4) {
                    s0 += q[r] * x[xOff + n16[r]];
                    s1 += q[r + 1] * x[xOff + n16[r + 1]];
                    s2 += q[r + 2] * x[xOff + n16[r + 2]];
                    s3 += q[r + 3] * x[xOff + n16[r + 3]];
                }
            }
            for (; r < end; r++) s0 += (v != null ? v[r] : q[r]) * x[xOff + (n16 != null ? n16[r] : n32[r])];
            float s = (s0 + s1) + (s2 + s3);
            y[yOff + o] += q == null ? s : s * scales[o];
        }
    }

    /** One sample, runs of several columns (KERNEL): per row the dot products of the kept runs. */
    private void runDots(float[] x, int xOff, float[] y, int yOff) {
        for (int o = 0; o < rows; o++) {
            float s = 0;
            for (int r = rowStart[o]; r < rowStart[o + 1]; r++) {
                int c = xOff + start(r), j = r * run;
                if (values != null) for (int t = 0; t < run; t++) s += values[j + t] * x[c + t];
                else for (int t = 0; t < run; t++) s += quantized[j + t] * x[c + t];
            }
            y[yOff + o] += scales == null ? s : s * scales[o];
        }
    }

    /** Several samples or positions: per kept weight a contiguous multiply-add over the columns of X. */
    private void columns(float[] x, int xOff, int p, float[] y, int yOff) {
        for (int o = 0; o < rows; o++) {
            int yo = yOff + o * p;
            float scale = scales == null ? 1 : scales[o];
            for (int r = rowStart[o]; r < rowStart[o + 1]; r++) {
                int c = start(r), j = r * run;
                for (int t = 0; t < run; t++) {
                    float a = values != null ? values[j + t] : quantized[j + t] * scale;
                    int xi = xOff + (c + t) * p;
                    for (int q = 0; q < p; q++) y[yo + q] += a * x[xi + q];
                }
            }
        }
    }

    @Override
    public long bytes() {
        long idx = narrow != null ? 2L * narrow.length : 4L * wide.length;
        long vals = values != null ? 4L * values.length : quantized.length + 4L * scales.length;
        return idx + vals + 4L * rowStart.length;
    }

    @Override
    public long storedValues() {
        return values != null ? values.length : quantized.length;
    }

    @Override
    public float[] toDense() {
        float[] w = new float[rows * cols];
        for (int o = 0; o < rows; o++)
            for (int r = rowStart[o]; r < rowStart[o + 1]; r++)
                for (int t = 0; t < run; t++)
                    w[o * cols + start(r) + t] = values != null ? values[r * run + t] : quantized[r * run + t] * scales[o];
        return w;
    }
}
