package io.fedprune.fuse;

import java.util.Objects;

/**
 * The logits shape of one prunable layer: {@code groups} rows of {@code n} candidates, stored row-major in a
 * {@code float[groups * n]}.
 *
 * @param name   layer name (e.g. {@code fc1.weight})
 * @param groups number of groups G (rows), at least 1
 * @param n      candidates per group, at least 1
 */
public record LayerShape(String name, int groups, int n) {
    public LayerShape {
        Objects.requireNonNull(name, "name");
        if (groups < 1) throw new IllegalArgumentException("groups must be >= 1, was " + groups + " (layer " + name + ")");
        if (n < 1) throw new IllegalArgumentException("n must be >= 1, was " + n + " (layer " + name + ")");
        if ((long) groups * n > Integer.MAX_VALUE) throw new IllegalArgumentException("layer " + name + " too large");
    }

    /** Number of logits, {@code groups * n}. */
    public int size() {
        return groups * n;
    }
}
