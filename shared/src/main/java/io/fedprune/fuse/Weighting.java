package io.fedprune.fuse;

/** A device's fusion weight: its sample count, optionally discounted by staleness. */
public final class Weighting {
    private Weighting() {
    }

    /**
     * {@code samples * (1 + staleness)^(-exponent)}.
     *
     * @param samples   the device's training sample count, >= 1
     * @param staleness how many rounds old the global logits the device started from are (0 = current), >= 0
     * @param exponent  staleness discount exponent, >= 0 (0 = no discount, the default)
     */
    public static double weight(long samples, int staleness, double exponent) {
        if (samples < 1) throw new IllegalArgumentException("samples must be >= 1, was " + samples);
        if (staleness < 0) throw new IllegalArgumentException("staleness must be >= 0, was " + staleness);
        if (!(exponent >= 0)) throw new IllegalArgumentException("exponent must be >= 0, was " + exponent);
        return exponent == 0 ? samples : samples * Math.pow(1.0 + staleness, -exponent);
    }
}
