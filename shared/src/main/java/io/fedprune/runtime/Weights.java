package io.fedprune.runtime;

/**
 * The weight matrix {@code W[rows, cols]} of a layer, in some storage, as a matrix product kernel: for a convolution
 * rows are output channels and cols the {@code cin*kh*kw} columns of im2col; for a dense layer {@code [out, in]}.
 * Implementations are immutable and thread-safe.
 */
public sealed interface Weights permits DenseWeights, KeptRuns, KeptColumns {

    /** Rows (outputs). */
    int rows();

    /** Columns (inputs). */
    int cols();

    /**
     * Adds {@code W X} to {@code Y}: {@code y[yOff + o*p + q] += sum_i W[o,i] * x[xOff + i*p + q]} for every row o and
     * {@code q < p} ({@code X} is {@code [cols, p]}, {@code Y} is {@code [rows, p]}, both row-major).
     */
    void multiplyAdd(float[] x, int xOff, int p, float[] y, int yOff);

    /** Bytes this storage takes (values, indices, scales), the figure a deployment reports. */
    long bytes();

    /** Stored (non-pruned) weights. */
    long storedValues();

    /** The dense row-major matrix this storage stands for (pruned entries 0, int8 values dequantised). */
    float[] toDense();
}
