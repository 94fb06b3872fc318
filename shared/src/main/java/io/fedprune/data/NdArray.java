package io.fedprune.data;

import java.util.Arrays;

/**
 * An n-dimensional array as read from a file (IDX or NumPy {@code .npy}): its dimensions, its values in row-major
 * order as floats, and whether the file stored an integer type (labels must).
 *
 * <p>The values are held as given, not copied (arrays read from files are large and owned by their reader).
 *
 * @param dims     dimension sizes, outermost first
 * @param values   the values, row-major
 * @param integral whether the file's element type is an integer type
 */
public record NdArray(int[] dims, float[] values, boolean integral) {

    public NdArray {
        dims = dims.clone();
        long size = 1;
        for (int d : dims) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
            size *= d;
        }
        if (values.length != size) throw new IllegalArgumentException(values.length + " values for dimensions " + Arrays.toString(dims));
    }

    @Override
    public int[] dims() {
        return dims.clone();
    }

    /** The number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /** Describes the dimensions for messages, e.g. {@code [60000, 28, 28]}. */
    public String shape() {
        return Arrays.toString(dims);
    }

    /**
     * The values as class labels: the array must have an integer element type and dimensions {@code [n]} or
     * {@code [n, 1]}, and every value must be {@code >= 0}.
     */
    public int[] labels(String what) {
        if (!integral) throw new IllegalArgumentException(what + ": labels must have an integer type, found floating point");
        if (!(rank() == 1 || (rank() == 2 && dims[1] == 1)))
            throw new IllegalArgumentException(what + ": labels must have dimensions [n] or [n, 1], got " + shape());
        int[] y = new int[values.length];
        for (int i = 0; i < y.length; i++) {
            float v = values[i];
            if (v < 0 || v > (1 << 24)) throw new IllegalArgumentException(what + ": label " + v + " at index " + i + " is not a class index");
            y[i] = (int) v;
        }
        return y;
    }
}
