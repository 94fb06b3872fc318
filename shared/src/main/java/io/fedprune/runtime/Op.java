package io.fedprune.runtime;

import java.util.Objects;

/**
 * One step of a {@link CompactNetwork}: maps a batch of activations {@code [batch, in]} (sample-major, each sample
 * channel-major as in NCHW) to {@code [batch, out]}. Immutable and thread-safe.
 */
public sealed interface Op permits Op.Linear, Op.Conv2d, Op.Relu, Op.MaxPool2d {

    /** The output shape for an input shape; {@link IllegalArgumentException} if the input does not fit. */
    Shape output(Shape in);

    /** Runs the step on {@code batch} samples of shape {@code in}; {@code out} has room for the output. */
    void forward(float[] x, Shape in, int batch, float[] out);

    /** Bytes of parameters (weights in their storage, biases). */
    default long parameterBytes() {
        return 0;
    }

    /** Parameters stored (kept weights and biases). */
    default long parameterCount() {
        return 0;
    }

    /**
     * A fully connected layer {@code y = W x + b} on the flattened sample (as ONNX {@code Gemm} with {@code transB=1}
     * after {@code Flatten}, PyTorch {@code Linear} after {@code flatten}).
     */
    record Linear(String name, Weights weights, float[] bias) implements Op {
        public Linear {
            Objects.requireNonNull(weights, "weights");
            bias = checkBias(name, bias, weights.rows());
        }

        @Override
        public float[] bias() {
            return bias.clone();
        }

        @Override
        public Shape output(Shape in) {
            if (in.size() != weights.cols())
                throw new IllegalArgumentException(name + ": input " + in + " has " + in.size() + " values, the layer takes " + weights.cols());
            return Shape.vector(weights.rows());
        }

        @Override
        public void forward(float[] x, Shape in, int batch, float[] out) {
            int n = weights.cols(), m = weights.rows();
            for (int b = 0; b < batch; b++) System.arraycopy(bias, 0, out, b * m, m);
            if (batch == 1) {
                weights.multiplyAdd(x, 0, 1, out, 0);
                return;
            }
            float[] xt = new float[n * batch], yt = new float[m * batch];
            transpose(x, batch, n, xt);
            transpose(out, batch, m, yt);
            weights.multiplyAdd(xt, 0, batch, yt, 0);
            transpose(yt, m, batch, out);
        }

        @Override
        public long parameterBytes() {
            return weights.bytes() + 4L * bias.length;
        }

        @Override
        public long parameterCount() {
            return weights.storedValues() + bias.length;
        }
    }

    /**
     * A 2-d convolution (cross-correlation, as ONNX {@code Conv} and PyTorch {@code Conv2d}): weight rows are output
     * channels, columns {@code (cin, ky, kx)}; square stride and zero padding on every side.
     */
    record Conv2d(String name, Weights weights, float[] bias, int kh, int kw, int stride, int pad) implements Op {
        public Conv2d {
            Objects.requireNonNull(weights, "weights");
            bias = checkBias(name, bias, weights.rows());
            if (kh < 1 || kw < 1 || stride < 1 || pad < 0 || weights.cols() % (kh * kw) != 0)
                throw new IllegalArgumentException(name + ": kernel " + kh + "x" + kw + ", stride " + stride + ", pad " + pad
                        + " do not fit " + weights.cols() + " weight columns");
        }

        @Override
        public float[] bias() {
            return bias.clone();
        }

        @Override
        public Shape output(Shape in) {
            int cin = weights.cols() / (kh * kw);
            if (in.c() != cin) throw new IllegalArgumentException(name + ": input " + in + " has " + in.c() + " channels, the layer takes " + cin);
            int oh = (in.h() + 2 * pad - kh) / stride + 1, ow = (in.w() + 2 * pad - kw) / stride + 1;
            if (oh < 1 || ow < 1) throw new IllegalArgumentException(name + ": input " + in + " is smaller than the kernel");
            return new Shape(weights.rows(), oh, ow);
        }

        @Override
        public void forward(float[] x, Shape in, int batch, float[] out) {
            Shape o = output(in);
            int p = o.h() * o.w(), cols = weights.cols(), inSize = in.size(), outSize = o.size();
            float[] col = new float[cols * p];
            for (int b = 0; b < batch; b++) {
                im2col(x, b * inSize, in, o, col);
                int yOff = b * outSize;
                for (int c = 0; c < o.c(); c++) java.util.Arrays.fill(out, yOff + c * p, yOff + (c + 1) * p, bias[c]);
                weights.multiplyAdd(col, 0, p, out, yOff);
            }
        }

        /** Columns {@code [cin*kh*kw, oh*ow]} of one sample. */
        private void im2col(float[] x, int xOff, Shape in, Shape o, float[] col) {
            int oh = o.h(), ow = o.w(), p = oh * ow;
            for (int ci = 0; ci < in.c(); ci++)
                for (int ky = 0; ky < kh; ky++)
                    for (int kx = 0; kx < kw; kx++) {
                        int row = ((ci * kh + ky) * kw + kx) * p;
                        for (int oy = 0; oy < oh; oy++) {
                            int iy = oy * stride - pad + ky;
                            int dst = row + oy * ow;
                            if (iy < 0 || iy >= in.h()) {
                                java.util.Arrays.fill(col, dst, dst + ow, 0f);
                                continue;
                            }
                            int src = xOff + (ci * in.h() + iy) * in.w();
                            for (int ox = 0; ox < ow; ox++) {
                                int ix = ox * stride - pad + kx;
                                col[dst + ox] = ix < 0 || ix >= in.w() ? 0f : x[src + ix];
                            }
                        }
                    }
        }

        @Override
        public long parameterBytes() {
            return weights.bytes() + 4L * bias.length;
        }

        @Override
        public long parameterCount() {
            return weights.storedValues() + bias.length;
        }
    }

    /** {@code max(x, 0)} element-wise. */
    record Relu() implements Op {
        @Override
        public Shape output(Shape in) {
            return in;
        }

        @Override
        public void forward(float[] x, Shape in, int batch, float[] out) {
            int n = in.size() * batch;
            for (int i = 0; i < n; i++) out[i] = Math.max(x[i], 0f);
        }
    }

    /** Max pooling over {@code size x size} windows with a stride, no padding (floor of the output size). */
    record MaxPool2d(int size, int stride) implements Op {
        public MaxPool2d {
            if (size < 1 || stride < 1) throw new IllegalArgumentException("pool size and stride must be >= 1: " + size + ", " + stride);
        }

        @Override
        public Shape output(Shape in) {
            int oh = (in.h() - size) / stride + 1, ow = (in.w() - size) / stride + 1;
            if (oh < 1 || ow < 1) throw new IllegalArgumentException("pool " + size + " does not fit input " + in);
            return new Shape(in.c(), oh, ow);
        }

        @Override
        public void forward(float[] x, Shape in, int batch, float[] out) {
            Shape o = output(in);
            int o0 = 0;
            for (int b = 0; b < batch; b++)
                for (int c = 0; c < in.c(); c++) {
                    int plane = (b * in.c() + c) * in.h() * in.w();
                    for (int oy = 0; oy < o.h(); oy++)
                        for (int ox = 0; ox < o.w(); ox++) {
                            float m = Float.NEGATIVE_INFINITY;
                            for (int ky = 0; ky < size; ky++) {
                                int row = plane + (oy * stride + ky) * in.w() + ox * stride;
                                for (int kx = 0; kx < size; kx++) m = Math.max(m, x[row + kx]);
                            }
                            out[o0++] = m;
                        }
                }
        }
    }

    private static float[] checkBias(String name, float[] bias, int rows) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bias, name + ": bias");
        if (bias.length != rows) throw new IllegalArgumentException(name + ": bias has " + bias.length + " values, the layer has " + rows + " outputs");
        return bias.clone();
    }

    private static void transpose(float[] a, int rows, int cols, float[] out) {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
    }
}
