package io.fedprune.model;

/**
 * Symmetric per-tensor uniform quantisation: {@code q(x) = clamp(round(x / s), -Q, Q) * s} with
 * {@code Q = 2^(bits-1) - 1} (127 for 8 bits) and scale {@code s = max|x| / Q}, so the largest magnitude is
 * represented exactly and every value is within {@code s/2} of its quantised value. Zeros (pruned weights) stay zero.
 * In training it is used with a straight-through estimator: the forward pass uses {@code q(x)}, the backward pass
 * treats {@code q} as the identity.
 */
public final class Quantizer {

    private Quantizer() {
    }

    /** Largest integer level, {@code 2^(bits-1) - 1}; bits in [2, 16]. */
    public static int levels(int bits) {
        if (bits < 2 || bits > 16) throw new IllegalArgumentException("bits must be in [2, 16]: " + bits);
        return (1 << (bits - 1)) - 1;
    }

    /** The scale {@code max|x| / levels(bits)}; 0 for an all-zero tensor. */
    public static float scale(float[] x, int bits) {
        float max = 0;
        for (float v : x) max = Math.max(max, Math.abs(v));
        return max / levels(bits);
    }

    /** Quantises {@code x} in place (values become integer multiples of the scale); returns the scale. */
    public static float quantizeInPlace(float[] x, int bits) {
        float s = scale(x, bits);
        if (s == 0) return 0;
        int q = levels(bits);
        float inv = 1 / s;
        for (int i = 0; i < x.length; i++) {
            float l = Math.round(x[i] * inv);
            x[i] = Math.max(-q, Math.min(q, l)) * s;
        }
        return s;
    }
}
