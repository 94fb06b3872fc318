package io.fedprune.model;

import java.util.Arrays;
import java.util.List;

/**
 * One operation of a {@link Graph}: it reads named values and writes one named value. Shapes exclude the batch
 * dimension: an image-like value is {@code [C, H, W]}, a feature vector {@code [F]}. The weight layers ({@link Conv},
 * {@link Dense}) hold no numbers: their parameters live in a {@link Model} under {@code <layer>.weight} and
 * {@code <layer>.bias}. Every op computes its output shape from its input shapes and rejects inputs it cannot take
 * with a one-line message.
 */
public sealed interface Op permits Op.Conv, Op.Dense, Op.Activation, Op.Pool, Op.GlobalAvgPool, Op.ChannelAffine,
        Op.Add, Op.Flatten {

    /** Names of the values read, in order. */
    List<String> inputs();

    /** Name of the value written. */
    String output();

    /** The output shape for these input shapes (one per {@link #inputs()}); throws if they do not fit. */
    int[] outputShape(List<int[]> in);

    /**
     * 2-D convolution with bias. Weight {@code [cout, cin / groups, kh, kw]}; {@code groups} is 1 or {@code cin}
     * (depthwise, {@code cout} a multiple of {@code cin}). Dilation 1.
     *
     * @param pads {@code [top, left, bottom, right]}, each {@code >= 0}
     */
    record Conv(String layer, String input, String output, int cin, int cout, int kh, int kw, int strideH, int strideW,
                int[] pads, int groups) implements Op {
        public Conv {
            WindowGeometry.positive("Conv " + layer, cin, cout);
            pads = WindowGeometry.check("Conv " + layer, kh, kw, strideH, strideW, pads);
            if (groups != 1 && !(groups == cin && cout % cin == 0))
                throw new IllegalArgumentException("Conv " + layer + ": group " + groups + " with " + cin + " -> " + cout
                        + " channels; supported: group 1, or group = input channels (depthwise)");
        }

        @Override
        public int[] pads() {
            return pads.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Conv c && c.layer.equals(layer) && c.input.equals(input) && c.output.equals(output)
                    && c.cin == cin && c.cout == cout && c.kh == kh && c.kw == kw && c.strideH == strideH
                    && c.strideW == strideW && Arrays.equals(c.pads, pads) && c.groups == groups;
        }

        @Override
        public int hashCode() {
            return layer.hashCode() * 31 + Arrays.hashCode(pads);
        }

        /** The weight shape {@code [cout, cin / groups, kh, kw]}. */
        public int[] weightShape() {
            return new int[]{cout, cin / groups, kh, kw};
        }

        /** True for a depthwise convolution ({@code groups = cin > 1}). */
        public boolean depthwise() {
            return groups > 1;
        }

        @Override
        public List<String> inputs() {
            return List.of(input);
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            int[] s = in.get(0);
            if (s.length != 3 || s[0] != cin)
                throw new IllegalArgumentException("Conv " + layer + ": input shape " + Arrays.toString(s) + ", expected [" + cin + ", H, W]");
            int[] hw = WindowGeometry.output("Conv " + layer, s[1], s[2], kh, kw, strideH, strideW, pads);
            return new int[]{cout, hw[0], hw[1]};
        }
    }

    /** Fully connected layer {@code y = W x + b} with weight {@code [out, in]} on a feature vector. */
    record Dense(String layer, String input, String output, int in, int out) implements Op {
        public Dense {
            WindowGeometry.positive("Dense " + layer, in, out);
        }

        /** The weight shape {@code [out, in]}. */
        public int[] weightShape() {
            return new int[]{out, in};
        }

        @Override
        public List<String> inputs() {
            return List.of(input);
        }

        @Override
        public int[] outputShape(List<int[]> s) {
            if (s.get(0).length != 1 || s.get(0)[0] != in)
                throw new IllegalArgumentException("Dense " + layer + ": input shape " + Arrays.toString(s.get(0)) + ", expected [" + in + "]");
            return new int[]{out};
        }
    }

    /** Element-wise activation functions. */
    enum Fn { RELU, LEAKY_RELU, SIGMOID, TANH, CLIP }

    /**
     * Element-wise activation: ReLU, LeakyReLU ({@code alpha}), sigmoid, tanh, or clip to {@code [min, max]}
     * (ReLU6 is clip to [0, 6]). Parameters that do not apply are 0.
     */
    record Activation(Fn fn, float alpha, float min, float max, String input, String output) implements Op {
        public Activation {
            if (fn == null) throw new IllegalArgumentException("activation function missing");
            if (fn == Fn.CLIP && !(min <= max)) throw new IllegalArgumentException("Clip: min " + min + " > max " + max);
        }

        /** An activation without parameters. */
        public static Activation of(Fn fn, String input, String output) {
            return new Activation(fn, 0, 0, 0, input, output);
        }

        @Override
        public List<String> inputs() {
            return List.of(input);
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            return in.get(0).clone();
        }
    }

    /**
     * Max or average pooling over {@code kh x kw} windows. Padding counts as minus infinity for max; for average it
     * is left out of the divisor unless {@code countIncludePad}.
     *
     * @param pads {@code [top, left, bottom, right]}
     */
    record Pool(boolean max, int kh, int kw, int strideH, int strideW, int[] pads, boolean countIncludePad,
                String input, String output) implements Op {
        public Pool {
            pads = WindowGeometry.check(max ? "MaxPool" : "AveragePool", kh, kw, strideH, strideW, pads);
            if (pads[0] >= kh || pads[2] >= kh || pads[1] >= kw || pads[3] >= kw)
                throw new IllegalArgumentException((max ? "MaxPool" : "AveragePool") + ": pads " + Arrays.toString(pads)
                        + " must be smaller than the kernel " + kh + "x" + kw);
        }

        @Override
        public int[] pads() {
            return pads.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Pool p && p.max == max && p.kh == kh && p.kw == kw && p.strideH == strideH
                    && p.strideW == strideW && Arrays.equals(p.pads, pads) && p.countIncludePad == countIncludePad
                    && p.input.equals(input) && p.output.equals(output);
        }

        @Override
        public int hashCode() {
            return output.hashCode() * 31 + Arrays.hashCode(pads);
        }

        @Override
        public List<String> inputs() {
            return List.of(input);
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            int[] s = in.get(0);
            String what = max ? "MaxPool" : "AveragePool";
            if (s.length != 3) throw new IllegalArgumentException(what + ": input shape " + Arrays.toString(s) + ", expected [C, H, W]");
            int[] hw = WindowGeometry.output(what, s[1], s[2], kh, kw, strideH, strideW, pads);
            return new int[]{s[0], hw[0], hw[1]};
        }
    }

    /** Mean over each channel's {@code H x W} map: {@code [C, H, W] -> [C, 1, 1]}. */
    record GlobalAvgPool(String input, String output) implements Op {
        @Override
        public List<String> inputs() {
            return List.of(input);
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            int[] s = in.get(0);
            if (s.length != 3) throw new IllegalArgumentException("GlobalAveragePool: input shape " + Arrays.toString(s) + ", expected [C, H, W]");
            return new int[]{s[0], 1, 1};
        }
    }

    /**
     * Fixed per-channel affine map {@code y = x * scale[c] + shift[c]} (channel c is the first dimension): an
     * inference-mode batch normalisation that could not be folded into a preceding layer. Not trained.
     */
    record ChannelAffine(float[] scale, float[] shift, String input, String output) implements Op {
        public ChannelAffine {
            if (scale.length == 0 || scale.length != shift.length)
                throw new IllegalArgumentException("ChannelAffine: " + scale.length + " scales, " + shift.length + " shifts");
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
        public List<String> inputs() {
            return List.of(input);
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            int[] s = in.get(0);
            if (s[0] != scale.length)
                throw new IllegalArgumentException("BatchNormalization: input shape " + Arrays.toString(s) + ", expected " + scale.length + " channels");
            return s.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ChannelAffine c && Arrays.equals(c.scale, scale) && Arrays.equals(c.shift, shift)
                    && c.input.equals(input) && c.output.equals(output);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(scale) * 31 + output.hashCode();
        }
    }

    /** Element-wise sum of two values of the same shape (a residual connection). */
    record Add(String a, String b, String output) implements Op {
        @Override
        public List<String> inputs() {
            return List.of(a, b);
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            if (!Arrays.equals(in.get(0), in.get(1)))
                throw new IllegalArgumentException("Add: shapes " + Arrays.toString(in.get(0)) + " and " + Arrays.toString(in.get(1))
                        + " differ; supported: two values of the same shape");
            return in.get(0).clone();
        }
    }

    /** {@code [C, H, W] -> [C * H * W]} in channel-major order (as ONNX Flatten with axis 1). */
    record Flatten(String input, String output) implements Op {
        @Override
        public List<String> inputs() {
            return List.of(input);
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            int n = 1;
            for (int d : in.get(0)) n *= d;
            return new int[]{n};
        }
    }
}
