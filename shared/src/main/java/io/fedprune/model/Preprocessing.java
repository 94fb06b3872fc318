package io.fedprune.model;

import java.util.Arrays;

/**
 * How raw pixels become a model's input, declared by the model: {@code x = (pixel * scale - mean[c]) / std[c]} per
 * channel c. Imported models default to {@link #pixelScale} ({@code pixel / 255}, no standardisation); the built-ins
 * declare {@link #MNIST}.
 *
 * @param scale multiplies the raw pixel value (e.g. {@code 1/255} for 8-bit images), {@code > 0}
 * @param mean  per-channel mean subtracted after scaling (one value applies to every channel)
 * @param std   per-channel standard deviation divided by (one value applies to every channel), each {@code > 0}
 */
public record Preprocessing(float scale, float[] mean, float[] std) {

    /** {@code pixel / 255} only: the default of imported models. */
    public static final Preprocessing PIXEL_SCALE = new Preprocessing(1f / 255, new float[]{0f}, new float[]{1f});
    /** MNIST normalisation {@code (pixel / 255 - 0.1307) / 0.3081}: the built-ins' preprocessing. */
    public static final Preprocessing MNIST = new Preprocessing(1f / 255, new float[]{0.1307f}, new float[]{0.3081f});

    public Preprocessing {
        if (!(scale > 0) || Float.isInfinite(scale)) throw new IllegalArgumentException("preprocessing scale must be > 0: " + scale);
        if (mean == null || std == null || mean.length == 0 || std.length == 0)
            throw new IllegalArgumentException("preprocessing mean and std need at least one value");
        if (mean.length != std.length && mean.length != 1 && std.length != 1)
            throw new IllegalArgumentException("preprocessing mean has " + mean.length + " values, std " + std.length);
        for (float m : mean) if (!Float.isFinite(m)) throw new IllegalArgumentException("preprocessing mean must be finite: " + Arrays.toString(mean));
        for (float s : std) if (!(s > 0) || Float.isInfinite(s)) throw new IllegalArgumentException("preprocessing std must be > 0: " + Arrays.toString(std));
        mean = mean.clone();
        std = std.clone();
    }

    /** {@code pixel / 255}. */
    public static Preprocessing pixelScale() {
        return PIXEL_SCALE;
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    /** Mean of channel {@code c}. */
    public float mean(int c) {
        return mean[mean.length == 1 ? 0 : c];
    }

    /** Standard deviation of channel {@code c}. */
    public float std(int c) {
        return std[std.length == 1 ? 0 : c];
    }

    /** Checks that the per-channel values fit a model with {@code channels} input channels. */
    public void checkChannels(int channels) {
        if ((mean.length != 1 && mean.length != channels) || (std.length != 1 && std.length != channels))
            throw new IllegalArgumentException("preprocessing has " + Math.max(mean.length, std.length)
                    + " channel values, the model's input has " + channels + " channels");
    }

    /** The preprocessed value of a raw pixel of channel {@code c}. */
    public float apply(float pixel, int c) {
        return (io.fedprune.data.Dataset.scaled(pixel, scale) - mean(c)) / std(c);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preprocessing p && Float.compare(p.scale, scale) == 0 && Arrays.equals(p.mean, mean) && Arrays.equals(p.std, std);
    }

    @Override
    public int hashCode() {
        return (Float.hashCode(scale) * 31 + Arrays.hashCode(mean)) * 31 + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "pixel*" + scale + ", mean " + Arrays.toString(mean) + ", std " + Arrays.toString(std);
    }
}
