package io.fedprune.data;

import java.util.Objects;

/**
 * Labelled images, normalised as {@code (pixel/255 - 0.1307) / 0.3081} (MNIST's mean and standard deviation).
 *
 * <p>Arrays are held as given, not copied (data sets are large and never mutated after loading); treat them as
 * read-only.
 *
 * @param x       {@code n * rows * cols} normalised pixels, image-major, row-major within an image
 * @param y       {@code n} labels in {@code [0, classes)}
 * @param n       number of images
 * @param rows    image height
 * @param cols    image width
 * @param classes number of classes (10 for MNIST)
 */
public record Dataset(float[] x, int[] y, int n, int rows, int cols, int classes) {

    /** MNIST's pixel mean (of values scaled to [0, 1]). */
    public static final float MEAN = 0.1307f;
    /** MNIST's pixel standard deviation. */
    public static final float STD = 0.3081f;

    public Dataset {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        if (n < 0 || rows < 1 || cols < 1 || classes < 2) {
            throw new IllegalArgumentException("bad dataset dimensions n=" + n + " rows=" + rows + " cols=" + cols + " classes=" + classes);
        }
        if (x.length != (long) n * rows * cols) throw new IllegalArgumentException("x has " + x.length + " values, expected n*rows*cols=" + (long) n * rows * cols);
        if (y.length != n) throw new IllegalArgumentException("y has " + y.length + " labels, expected n=" + n);
        for (int i = 0; i < n; i++) {
            if (y[i] < 0 || y[i] >= classes) throw new IllegalArgumentException("label " + y[i] + " at index " + i + " outside [0, " + classes + ")");
        }
    }

    /** Pixels per image. */
    public int features() {
        return rows * cols;
    }

    /** The images at the given indices, in that order (copies). */
    public Dataset subset(int[] idx) {
        int f = features();
        float[] sx = new float[idx.length * f];
        int[] sy = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            int j = idx[i];
            if (j < 0 || j >= n) throw new IndexOutOfBoundsException("index " + j + " outside [0, " + n + ")");
            System.arraycopy(x, j * f, sx, i * f, f);
            sy[i] = y[j];
        }
        return new Dataset(sx, sy, idx.length, rows, cols, classes);
    }

    /** The first {@code count} images (or all of them if fewer). */
    public Dataset head(int count) {
        int m = Math.min(count, n);
        int[] idx = new int[m];
        for (int i = 0; i < m; i++) idx[i] = i;
        return subset(idx);
    }

    /** Builds a data set from IDX images {@code [n, rows, cols]} and labels {@code [n]}, normalising the pixels. */
    public static Dataset fromIdx(Idx.Array images, Idx.Array labels, int classes, String what) {
        int[] d = images.dims();
        int[] l = labels.dims();
        if (d.length != 3) throw new IllegalArgumentException(what + ": images must have 3 dimensions [n, rows, cols], got " + Idx.describe(d));
        if (l.length != 1) throw new IllegalArgumentException(what + ": labels must have 1 dimension [n], got " + Idx.describe(l));
        if (d[0] != l[0]) throw new IllegalArgumentException(what + ": " + d[0] + " images but " + l[0] + " labels");
        byte[] px = images.values();
        float[] x = new float[px.length];
        for (int i = 0; i < px.length; i++) x[i] = ((px[i] & 0xff) / 255f - MEAN) / STD;
        int[] y = new int[l[0]];
        for (int i = 0; i < y.length; i++) y[i] = labels.unsigned(i);
        for (int i = 0; i < y.length; i++) {
            if (y[i] >= classes) throw new IllegalArgumentException(what + ": label " + y[i] + " at index " + i + " but only " + classes + " classes");
        }
        return new Dataset(x, y, d[0], d[1], d[2], classes);
    }
}
