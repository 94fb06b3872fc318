package io.fedprune.runtime;

/**
 * The shape of one sample's activation, channel-major ({@code [c, h, w]}, row-major as in NCHW); a vector of n
 * features is {@code [n, 1, 1]}.
 */
public record Shape(int c, int h, int w) {
    public Shape {
        if (c < 1 || h < 1 || w < 1) throw new IllegalArgumentException("shape dimensions must be >= 1: " + c + "x" + h + "x" + w);
    }

    /** A vector of {@code n} features. */
    public static Shape vector(int n) {
        return new Shape(n, 1, 1);
    }

    /** Floats per sample. */
    public int size() {
        return c * h * w;
    }

    @Override
    public String toString() {
        return c + "x" + h + "x" + w;
    }
}
