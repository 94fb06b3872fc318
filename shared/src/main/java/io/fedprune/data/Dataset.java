package io.fedprune.data;

import java.util.Objects;

/**
 * Labelled images of any shape and class count, {@code n} images of {@code channels x rows x cols} values each.
 *
 * <p>A data set as loaded ({@link ImageData}) holds raw values (pixels in [0, 255] for 8-bit images, floats as stored);
 * {@link #normalized} gives the model's input, {@code (value * scale - mean[c]) / std[c]} per channel c.
 * Arrays are held as given, not copied (data sets are large and never mutated after loading); treat them as
 * read-only.
 *
 * @param x        {@code n * channels * rows * cols} values, image-major, then channel, row, column
 * @param y        {@code n} labels in {@code [0, classes)}
 * @param n        number of images
 * @param channels channels per image (1 for grey-scale)
 * @param rows     image height
 * @param cols     image width
 * @param classes  number of classes (10 for MNIST)
 */
public record Dataset(float[] x, int[] y, int n, int channels, int rows, int cols, int classes) {

    public Dataset {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        if (n < 0 || channels < 1 || rows < 1 || cols < 1 || classes < 2) {
            throw new IllegalArgumentException("bad dataset dimensions n=" + n + " channels=" + channels + " rows=" + rows
                    + " cols=" + cols + " classes=" + classes);
        }
        if (x.length != (long) n * channels * rows * cols)
            throw new IllegalArgumentException("x has " + x.length + " values, expected n*channels*rows*cols=" + (long) n * channels * rows * cols);
        if (y.length != n) throw new IllegalArgumentException("y has " + y.length + " labels, expected n=" + n);
        for (int i = 0; i < n; i++) {
            if (y[i] < 0 || y[i] >= classes) throw new IllegalArgumentException("label " + y[i] + " at index " + i + " outside [0, " + classes + ")");
        }
    }

    /**
     * A data set from an images array {@code [n, rows, cols]} (one channel) or {@code [n, channels, rows, cols]} and a
     * labels array {@code [n]}; the values are kept as stored.
     */
    public static Dataset of(NdArray images, NdArray labels, int classes, String what) {
        int[] d = images.dims();
        if (d.length != 3 && d.length != 4)
            throw new IllegalArgumentException(what + ": images must have dimensions [n, rows, cols] or [n, channels, rows, cols], got " + images.shape());
        int[] y = labels.labels(what);
        if (d[0] != y.length) throw new IllegalArgumentException(what + ": " + d[0] + " images but " + y.length + " labels");
        for (int i = 0; i < y.length; i++) {
            if (y[i] >= classes) throw new IllegalArgumentException(what + ": label " + y[i] + " at index " + i + " but only " + classes + " classes");
        }
        return d.length == 3 ? new Dataset(images.values(), y, d[0], 1, d[1], d[2], classes)
                : new Dataset(images.values(), y, d[0], d[1], d[2], d[3], classes);
    }

    /** The shape of one image, e.g. {@code 1x28x28}. */
    public String shape() {
        return channels + "x" + rows + "x" + cols;
    }

    /**
     * {@code value * scale}, computed as {@code value / d} when {@code scale} is the float nearest {@code 1/d} for an
     * integer d (as {@code 1/255f}): the same bits as dividing by 255, which {@code value * (1/255f)} is not for 109 of
     * the 256 byte values. The one place of this rule (data sets and {@code Preprocessing} use it).
     */
    public static float scaled(float value, float scale) {
        float d = divisor(scale);
        return d > 0 ? value / d : value * scale;
    }

    /** The integer d whose reciprocal rounds to {@code scale}, or 0 if there is none. */
    private static float divisor(float scale) {
        double d = Math.rint(1.0 / scale);
        return d >= 1 && d < 1 << 24 && (float) (1.0 / d) == scale ? (float) d : 0;
    }

    /**
     * The model's input: {@code (value * scale - mean[c]) / std[c]} for channel c (a new data set). {@code mean} and
     * {@code std} hold one value per channel, or one value for all.
     */
    public Dataset normalized(float scale, float[] mean, float[] std) {
        if (mean.length != 1 && mean.length != channels || std.length != 1 && std.length != channels)
            throw new IllegalArgumentException("normalisation has " + mean.length + " means and " + std.length
                    + " standard deviations for images of " + channels + " channels");
        int plane = rows * cols;
        float divisor = divisor(scale);
        float[] out = new float[x.length];
        for (int c = 0; c < channels; c++) {
            float m = mean[mean.length == 1 ? 0 : c], s = std[std.length == 1 ? 0 : c];
            if (!(s > 0)) throw new IllegalArgumentException("standard deviation of channel " + c + " must be > 0, was " + s);
            for (int i = 0; i < n; i++) {
                int from = (i * channels + c) * plane;
                for (int j = from; j < from + plane; j++) out[j] = ((divisor > 0 ? x[j] / divisor : x[j] * scale) - m) / s;
            }
        }
        return new Dataset(out, y, n, channels, rows, cols, classes);
    }

    /**
     * Checks that these images fit a model whose input is {@code [channels, rows, cols]} or {@code [features]} (batch
     * excluded) and that predicts {@code classes} classes; the error names both.
     */
    public void checkFits(int[] input, int classes, String model, String data) {
        boolean fits = input.length == 3 ? input[0] == channels && input[1] == rows && input[2] == cols
                : input.length == 1 && input[0] == features();
        if (!fits || classes != this.classes)
            throw new IllegalArgumentException("model " + model + " takes " + (input.length == 3 ? input[0] + "x" + input[1] + "x" + input[2]
                    : input.length == 1 ? input[0] + "-value" : java.util.Arrays.toString(input)) + " images of " + classes
                    + " classes but data " + data + " holds " + shape() + " images of " + this.classes + " classes");
    }

    /** Values per image. */
    public int features() {
        return channels * rows * cols;
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
        return new Dataset(sx, sy, idx.length, channels, rows, cols, classes);
    }

    /** The first {@code count} images (or all of them if fewer). */
    public Dataset head(int count) {
        int m = Math.min(count, n);
        int[] idx = new int[m];
        for (int i = 0; i < m; i++) idx[i] = i;
        return subset(idx);
    }

    /** The last {@code count} images (or all of them if fewer), in order. */
    public Dataset tail(int count) {
        int m = Math.min(count, n);
        int[] idx = new int[m];
        for (int i = 0; i < m; i++) idx[i] = n - m + i;
        return subset(idx);
    }
}
