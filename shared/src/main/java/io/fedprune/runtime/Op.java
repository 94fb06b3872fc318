package io.fedprune.runtime;

import io.fedprune.model.WindowGeometry;

import java.util.Arrays;
import java.util.Objects;

/**
 * One step of a {@link CompactNetwork}: maps a batch of activations {@code [batch, in]} (sample-major, each sample
 * channel-major as in NCHW) to {@code [batch, out]}. The steps mirror the operators of ONNX (and of
 * {@code io.fedprune.model.Op}) with the same semantics. Immutable and thread-safe.
 */
public sealed interface Op permits Op.Linear, Op.Conv2d, Op.DepthwiseConv2d, Op.Activation, Op.Pool2d, Op.GlobalAvgPool,
        Op.ChannelAffine, Op.RemovedChannels {

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
     * A fully connected layer {@code y = W x + b} on the flattened sample (ONNX {@code Gemm} with {@code transB=1}
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
            for (int b = 0; b < batch; b++) {   // sample by sample: the one-sample kernels skip the inputs at their base value
                System.arraycopy(bias, 0, out, b * m, m);
                weights.multiplyAdd(x, b * n, 1, out, b * m);
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

    /**
     * A 2-d convolution (cross-correlation, as ONNX {@code Conv} with group 1 and PyTorch {@code Conv2d}): weight rows
     * are output channels, columns {@code (cin, ky, kx)}; zero padding {@code pads = [top, left, bottom, right]}.
     */
    record Conv2d(String name, Weights weights, float[] bias, int kh, int kw, int strideH, int strideW, int[] pads) implements Op {
        public Conv2d {
            Objects.requireNonNull(weights, "weights");
            bias = checkBias(name, bias, weights.rows());
            pads = WindowGeometry.check(name, kh, kw, strideH, strideW, pads);
            if (weights.cols() % (kh * kw) != 0)
                throw new IllegalArgumentException(name + ": kernel " + kh + "x" + kw + " does not fit " + weights.cols() + " weight columns");
        }

        /** Stride and padding the same on both axes and every side. */
        public static Conv2d of(String name, Weights weights, float[] bias, int kh, int kw, int stride, int pad) {
            return new Conv2d(name, weights, bias, kh, kw, stride, stride, new int[]{pad, pad, pad, pad});
        }

        @Override
        public float[] bias() {
            return bias.clone();
        }

        @Override
        public int[] pads() {
            return pads.clone();
        }

        @Override
        public Shape output(Shape in) {
            int cin = weights.cols() / (kh * kw);
            if (in.c() != cin) throw new IllegalArgumentException(name + ": input " + in + " has " + in.c() + " channels, the layer takes " + cin);
            return windowed(name, in, weights.rows(), kh, kw, strideH, strideW, pads);
        }

        @Override
        public void forward(float[] x, Shape in, int batch, float[] out) {
            Shape o = output(in);
            int p = o.h() * o.w(), cols = weights.cols(), inSize = in.size(), outSize = o.size();
            float[] col = new float[cols * p];
            for (int b = 0; b < batch; b++) {
                im2col(x, b * inSize, in, o, col);
                int yOff = b * outSize;
                for (int c = 0; c < o.c(); c++) Arrays.fill(out, yOff + c * p, yOff + (c + 1) * p, bias[c]);
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
                            int iy = oy * strideH - pads[0] + ky;
                            int dst = row + oy * ow;
                            if (iy < 0 || iy >= in.h()) {
                                Arrays.fill(col, dst, dst + ow, 0f);
                                continue;
                            }
                            int src = xOff + (ci * in.h() + iy) * in.w();
                            for (int ox = 0; ox < ow; ox++) {
                                int ix = ox * strideW - pads[1] + kx;
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

    /**
     * A depthwise convolution (ONNX {@code Conv} with {@code group = cin}): output channel o reads input channel
     * {@code o / (cout / cin)} only. Weights {@code [cout, kh*kw]} dense (pruned entries 0); small, so not compacted.
     */
    record DepthwiseConv2d(String name, int cin, float[] weights, float[] bias, int kh, int kw, int strideH, int strideW, int[] pads)
            implements Op {
        public DepthwiseConv2d {
            bias = checkBias(name, bias, bias == null ? 0 : bias.length);
            pads = WindowGeometry.check(name, kh, kw, strideH, strideW, pads);
            if (cin < 1 || bias.length % cin != 0 || weights.length != bias.length * kh * kw)
                throw new IllegalArgumentException(name + ": " + weights.length + " weights, " + bias.length + " outputs do not fit cin " + cin);
            weights = weights.clone();
        }

        @Override
        public float[] weights() {
            return weights.clone();
        }

        @Override
        public float[] bias() {
            return bias.clone();
        }

        @Override
        public int[] pads() {
            return pads.clone();
        }

        @Override
        public Shape output(Shape in) {
            if (in.c() != cin) throw new IllegalArgumentException(name + ": input " + in + " has " + in.c() + " channels, the layer takes " + cin);
            return windowed(name, in, bias.length, kh, kw, strideH, strideW, pads);
        }

        @Override
        public void forward(float[] x, Shape in, int batch, float[] out) {
            Shape o = output(in);
            int mult = o.c() / cin, o0 = 0;
            for (int b = 0; b < batch; b++)
                for (int c = 0; c < o.c(); c++) {
                    int plane = (b * cin + c / mult) * in.h() * in.w();
                    for (int oy = 0; oy < o.h(); oy++)
                        for (int ox = 0; ox < o.w(); ox++) {
                            float s = bias[c];
                            for (int ky = 0; ky < kh; ky++) {
                                int iy = oy * strideH - pads[0] + ky;
                                if (iy < 0 || iy >= in.h()) continue;
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = ox * strideW - pads[1] + kx;
                                    if (ix >= 0 && ix < in.w()) s += weights[(c * kh + ky) * kw + kx] * x[plane + iy * in.w() + ix];
                                }
                            }
                            out[o0++] = s;
                        }
                }
        }

        @Override
        public long parameterBytes() {
            return 4L * (weights.length + bias.length);
        }

        @Override
        public long parameterCount() {
            return weights.length + bias.length;
        }
    }

    /** Element-wise functions, as ONNX {@code Relu}, {@code LeakyRelu}, {@code Sigmoid}, {@code Tanh}, {@code Clip}. */
    enum Fn { RELU, LEAKY_RELU, SIGMOID, TANH, CLIP }

    /** An element-wise activation; {@code alpha} for LeakyReLU, {@code [min, max]} for clip, else unused. */
    record Activation(Fn fn, float alpha, float min, float max) implements Op {
        public Activation {
            Objects.requireNonNull(fn, "fn");
        }

        /** ReLU. */
        public static Activation relu() {
            return new Activation(Fn.RELU, 0, 0, 0);
        }

        @Override
        public Shape output(Shape in) {
            return in;
        }

        @Override
        public void forward(float[] x, Shape in, int batch, float[] out) {
            int n = in.size() * batch;
            switch (fn) {
                case RELU -> { for (int i = 0; i < n; i++) out[i] = Math.max(x[i], 0f); }
                case LEAKY_RELU -> { for (int i = 0; i < n; i++) out[i] = x[i] >= 0 ? x[i] : alpha * x[i]; }
                case SIGMOID -> { for (int i = 0; i < n; i++) out[i] = (float) (1 / (1 + Math.exp(-x[i]))); }
                case TANH -> { for (int i = 0; i < n; i++) out[i] = (float) Math.tanh(x[i]); }
                case CLIP -> { for (int i = 0; i < n; i++) out[i] = Math.min(max, Math.max(min, x[i])); }
            }
        }
    }

    /**
     * Max or average pooling over {@code kh x kw} windows (floor of the output size); padding counts as minus infinity
     * for max, and for average is left out of the divisor unless {@code countIncludePad} (ONNX's semantics).
     */
    record Pool2d(boolean max, int kh, int kw, int strideH, int strideW, int[] pads, boolean countIncludePad) implements Op {
        public Pool2d {
            pads = WindowGeometry.check("pool", kh, kw, strideH, strideW, pads);
        }

        /** Max pooling over {@code size x size} windows with a stride, no padding. */
        public static Pool2d max(int size, int stride) {
            return new Pool2d(true, size, size, stride, stride, new int[4], false);
        }

        @Override
        public int[] pads() {
            return pads.clone();
        }

        @Override
        public Shape output(Shape in) {
            return windowed("pool", in, in.c(), kh, kw, strideH, strideW, pads);
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
                            float m = Float.NEGATIVE_INFINITY, s = 0;
                            int count = 0;
                            for (int ky = 0; ky < kh; ky++) {
                                int iy = oy * strideH - pads[0] + ky;
                                if (iy < 0 || iy >= in.h()) continue;
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = ox * strideW - pads[1] + kx;
                                    if (ix < 0 || ix >= in.w()) continue;
                                    float v = x[plane + iy * in.w() + ix];
                                    m = Math.max(m, v);
                                    s += v;
                                    count++;
                                }
                            }
                            out[o0++] = max ? m : s / (countIncludePad ? kh * kw : count);
                        }
                }
        }
    }

    /** The mean of every channel's map: {@code [C, H, W] -> [C, 1, 1]}. */
    record GlobalAvgPool() implements Op {
        @Override
        public Shape output(Shape in) {
            return new Shape(in.c(), 1, 1);
        }

        @Override
        public void forward(float[] x, Shape in, int batch, float[] out) {
            int hw = in.h() * in.w();
            for (int i = 0; i < batch * in.c(); i++) {
                float s = 0;
                for (int j = 0; j < hw; j++) s += x[i * hw + j];
                out[i] = s / hw;
            }
        }
    }

    /** {@code y = x * scale[c] + shift[c]} per channel (an unfolded inference-mode batch normalisation). */
    record ChannelAffine(float[] scale, float[] shift) implements Op {
        public ChannelAffine {
            if (scale == null || shift == null || scale.length == 0 || scale.length != shift.length)
                throw new IllegalArgumentException("channel affine needs as many scales as shifts, at least one");
            scale = scale.clone();
            shift = shift.clone();
        }

        @Override
        public float[] scale() {
            return scale.clone();
        }

        @Override
        public float[] shift() {
            return shift.clone();
        }

        @Override
        public Shape output(Shape in) {
            if (in.c() != scale.length) throw new IllegalArgumentException("channel affine of " + scale.length + " channels on input " + in);
            return in;
        }

        @Override
        public void forward(float[] x, Shape in, int batch, float[] out) {
            int hw = in.h() * in.w();
            for (int i = 0; i < batch * in.c(); i++) {
                int c = i % in.c();
                for (int j = 0; j < hw; j++) out[i * hw + j] = x[i * hw + j] * scale[c] + shift[c];
            }
        }

        @Override
        public long parameterBytes() {
            return 8L * scale.length;
        }

        @Override
        public long parameterCount() {
            return 2L * scale.length;
        }
    }

    /**
     * What input channels holding a constant contribute to a zero-padded convolution after they were removed from its
     * input (a FILTER tier's removed outputs, see {@code ChannelPlan}): the convolution's geometry slid over a map of
     * ones of its input's size ({@code inH x inW}) with {@code kernel [cout, kh*kw]}, the constants times the weights
     * that read them, summed over the removed channels. Inside the borders that is a constant per output channel, at
     * the borders less, where the padding holds zeros instead of the constant. Added to every sample.
     */
    final class RemovedChannels implements Op {
        private final String name;
        private final float[] kernel;
        private final Shape shape;
        private final float[] map;   // the share, the same for every sample: computed once, here

        public RemovedChannels(String name, float[] kernel, int kh, int kw, int strideH, int strideW, int[] pads, int inH, int inW) {
            pads = WindowGeometry.check(name, kh, kw, strideH, strideW, pads);
            if (kernel.length == 0 || kernel.length % (kh * kw) != 0)
                throw new IllegalArgumentException(name + ": " + kernel.length + " kernel values do not fit " + kh + "x" + kw);
            this.name = name;
            this.kernel = kernel.clone();
            int cout = kernel.length / (kh * kw);
            Conv2d conv = new Conv2d(name, DenseWeights.of(cout, kh * kw, this.kernel), new float[cout], kh, kw, strideH, strideW, pads);
            Shape ones = new Shape(1, inH, inW);
            float[] x = new float[ones.size()];
            Arrays.fill(x, 1f);
            shape = conv.output(ones);
            map = new float[shape.size()];
            conv.forward(x, ones, 1, map);
        }

        public String name() {
            return name;
        }

        public float[] kernel() {
            return kernel.clone();
        }

        @Override
        public Shape output(Shape in) {
            if (!shape.equals(in)) throw new IllegalArgumentException(name + ": input " + in + ", the removed channels' share is " + shape);
            return in;
        }

        @Override
        public void forward(float[] x, Shape in, int batch, float[] out) {
            for (int b = 0, i = 0; b < batch; b++)
                for (int j = 0; j < map.length; j++, i++) out[i] = x[i] + map[j];
        }

        @Override
        public long parameterBytes() {
            return 4L * kernel.length;
        }

        @Override
        public long parameterCount() {
            return kernel.length;
        }
    }

    private static float[] checkBias(String name, float[] bias, int rows) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bias, name + ": bias");
        if (bias.length != rows) throw new IllegalArgumentException(name + ": bias has " + bias.length + " values, the layer has " + rows + " outputs");
        return bias.clone();
    }

    private static Shape windowed(String name, Shape in, int channels, int kh, int kw, int strideH, int strideW, int[] pads) {
        int[] hw = WindowGeometry.output(name, in.h(), in.w(), kh, kw, strideH, strideW, pads);
        return new Shape(channels, hw[0], hw[1]);
    }
}
