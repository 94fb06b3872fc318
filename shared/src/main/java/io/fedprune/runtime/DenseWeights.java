package io.fedprune.runtime;

import java.util.Objects;

/**
 * A dense float32 matrix (an unpruned layer, a FILTER-pruned layer after its pruned rows and columns are removed,
 * or the masked dense baseline). Stored transposed, {@code [cols, rows]}, so that every inner loop is a contiguous
 * multiply-add the JIT vectorises: over the rows for one sample, over the samples or positions otherwise.
 */
public final class DenseWeights implements Weights {
    private final int rows, cols;
    private final float[] transposed;

    private DenseWeights(int rows, int cols, float[] transposed) {
        this.rows = rows;
        this.cols = cols;
        this.transposed = transposed;
    }

    /** From a row-major {@code [rows, cols]} matrix (copied). */
    public static DenseWeights of(int rows, int cols, float[] rowMajor) {
        Objects.requireNonNull(rowMajor, "rowMajor");
        if (rows < 1 || cols < 1 || rowMajor.length != (long) rows * cols)
            throw new IllegalArgumentException("a " + rows + "x" + cols + " matrix needs " + (long) rows * cols + " values, got " + rowMajor.length);
        float[] t = new float[rowMajor.length];
        for (int o = 0; o < rows; o++)
            for (int i = 0; i < cols; i++) t[i * rows + o] = rowMajor[o * cols + i];
        return new DenseWeights(rows, cols, t);
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public void multiplyAdd(float[] x, int xOff, int p, float[] y, int yOff) {
        if (p == 1) {
            for (int i = 0; i < cols; i++) {
                float a = x[xOff + i];
                int t = i * rows;
                for (int o = 0; o < rows; o++) y[yOff + o] += a * transposed[t + o];
            }
            return;
        }
        for (int i = 0; i < cols; i++) {
            int t = i * rows, xi = xOff + i * p;
            for (int o = 0; o < rows; o++) {
                float a = transposed[t + o];
                int yo = yOff + o * p;
                for (int q = 0; q < p; q++) y[yo + q] += a * x[xi + q];
            }
        }
    }

    @Override
    public long bytes() {
        return 4L * transposed.length;
    }

    @Override
    public long storedValues() {
        return transposed.length;
    }

    @Override
    public float[] toDense() {
        float[] w = new float[transposed.length];
        for (int o = 0; o < rows; o++)
            for (int i = 0; i < cols; i++) w[o * cols + i] = transposed[i * rows + o];
        return w;
    }
}
