package io.fedprune.dpp;

import java.util.Arrays;
import java.util.Objects;

/**
 * The mask structure of one prunable layer: its weights are split into {@code groups} groups of {@code n}
 * candidates, and every group keeps exactly {@code k} candidates (see {@link Granularity} for the table).
 *
 * <p>A <em>group mask</em> is a {@code float[groups * n]} (row-major {@code [G, n]}, group g's candidates at
 * {@code [g*n, (g+1)*n)}). Candidate {@code c} (flat index in the group mask) covers the
 * {@link #candidateSize()} consecutive weights starting at {@code c * candidateSize()} of the row-major weight, for
 * every granularity. {@link #expand} and {@link #reduce} move between the two spaces.
 *
 * <p>N:M tiles run along the input axis: {@code in} of a dense layer, the flattened {@code cin*kh*kw} of a
 * convolution (the reduction axis of its matrix product); M must divide that axis.
 *
 * @param layer       layer name (for messages and reports)
 * @param granularity how weights are grouped
 * @param weightShape {@code [out, in]} or {@code [cout, cin, kh, kw]}; copied
 * @param groups      G, derived from the shape (checked)
 * @param n           candidates per group, derived (checked)
 * @param k           kept candidates per group, {@code 1 <= k <= n}
 * @param tileM       M for {@link Granularity#TILE}, 0 otherwise
 */
public record MaskSpec(String layer, Granularity granularity, int[] weightShape, int groups, int n, int k, int tileM) {

    public MaskSpec {
        if (layer == null || layer.isBlank()) throw new IllegalArgumentException("layer must be a non-blank name");
        Objects.requireNonNull(granularity, "granularity");
        weightShape = checkShape(layer, weightShape);
        int[] gn = derive(layer, granularity, weightShape, tileM);
        if (groups != gn[0] || n != gn[1])
            throw new IllegalArgumentException(layer + ": groups/n (" + groups + ", " + n + ") do not match " + granularity
                    + " on shape " + Arrays.toString(weightShape) + " (expected " + gn[0] + ", " + gn[1] + ")");
        if (k < 1) throw new IllegalArgumentException(layer + ": k must be >= 1, was " + k);
        if (k > n) throw new IllegalArgumentException(layer + ": k must be <= n = " + n + ", was " + k);
    }

    /** A spec keeping {@code k = ceil(keep * n)} (clamped to {@code [1, n]}) candidates per group; not for TILE. */
    public static MaskSpec ofKeep(String layer, Granularity g, int[] weightShape, double keep) {
        if (!(keep > 0 && keep <= 1)) throw new IllegalArgumentException(layer + ": keep must be in (0, 1], was " + keep);
        int n = derive(layer, g, checkShape(layer, weightShape), 0)[1];
        return ofK(layer, g, weightShape, kFor(keep, n));
    }

    /** A spec keeping exactly {@code k} candidates per group; not for TILE (use {@link #tile}). */
    public static MaskSpec ofK(String layer, Granularity g, int[] weightShape, int k) {
        if (g == Granularity.TILE) throw new IllegalArgumentException(layer + ": TILE needs N and M, use MaskSpec.tile");
        int[] gn = derive(layer, g, checkShape(layer, weightShape), 0);
        return new MaskSpec(layer, g, weightShape, gn[0], gn[1], k, 0);
    }

    /** An N:M spec: every {@code m} consecutive weights along the input axis keep {@code nKeep}. */
    public static MaskSpec tile(String layer, int[] weightShape, int nKeep, int m) {
        int[] gn = derive(layer, Granularity.TILE, checkShape(layer, weightShape), m);
        return new MaskSpec(layer, Granularity.TILE, weightShape, gn[0], gn[1], nKeep, m);
    }

    /** {@code ceil(keep * n)} (rounded to 6 decimals first, so 0.05 * 300 gives 15), clamped to {@code [1, n]}. */
    public static int kFor(double keep, int n) {
        double x = Math.round(keep * n * 1e6) / 1e6;
        return (int) Math.max(1, Math.min(n, Math.ceil(x)));
    }

    @Override
    public int[] weightShape() {
        return weightShape.clone();
    }

    /** Number of weights. */
    public int size() {
        int s = 1;
        for (int d : weightShape) s *= d;
        return s;
    }

    /** Number of candidates, {@code groups * n}. */
    public int candidates() {
        return groups * n;
    }

    /** Weights per candidate (1 for WEIGHT and TILE, kh*kw for KERNEL, a whole row for FILTER). */
    public int candidateSize() {
        return size() / (groups * n);
    }

    /** Fraction of weights kept, {@code k / n}. */
    public double keep() {
        return (double) k / n;
    }

    /** This spec with another k (same layer, granularity, shape). */
    public MaskSpec withK(int newK) {
        return new MaskSpec(layer, granularity, weightShape, groups, n, newK, tileM);
    }

    /**
     * Weight-shaped mask from a group mask: every weight takes the value of its candidate. Allocates.
     *
     * @param groupMask {@code float[groups * n]}
     */
    public float[] expand(float[] groupMask) {
        checkLength("groupMask", groupMask, candidates());
        int e = candidateSize();
        if (e == 1) return groupMask.clone();
        float[] out = new float[size()];
        for (int c = 0, o = 0; c < groupMask.length; c++) {
            float v = groupMask[c];
            for (int j = 0; j < e; j++) out[o++] = v;
        }
        return out;
    }

    /**
     * Group-space sums: entry c is the sum of {@code perWeight} over candidate c's weights. Allocates.
     *
     * @param perWeight {@code float[size()]}
     */
    public float[] reduce(float[] perWeight) {
        checkLength("perWeight", perWeight, size());
        int e = candidateSize();
        if (e == 1) return perWeight.clone();
        float[] out = new float[candidates()];
        for (int c = 0, o = 0; c < out.length; c++) {
            double s = 0;
            for (int j = 0; j < e; j++) s += perWeight[o++];
            out[c] = (float) s;
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MaskSpec m && layer.equals(m.layer) && granularity == m.granularity
                && Arrays.equals(weightShape, m.weightShape) && groups == m.groups && n == m.n && k == m.k && tileM == m.tileM;
    }

    @Override
    public int hashCode() {
        return Objects.hash(layer, granularity, Arrays.hashCode(weightShape), groups, n, k, tileM);
    }

    @Override
    public String toString() {
        return "MaskSpec[" + layer + " " + granularity + (tileM > 0 ? " " + k + ":" + tileM : "") + " shape="
                + Arrays.toString(weightShape) + " G=" + groups + " n=" + n + " k=" + k + "]";
    }

    void checkLength(String what, float[] a, int expected) {
        Objects.requireNonNull(a, what);
        if (a.length != expected)
            throw new IllegalArgumentException(layer + ": " + what + " has length " + a.length + ", expected " + expected);
    }

    private static int[] checkShape(String layer, int[] shape) {
        Objects.requireNonNull(shape, "weightShape");
        if (shape.length != 2 && shape.length != 4)
            throw new IllegalArgumentException(layer + ": weightShape must be [out, in] or [cout, cin, kh, kw], was " + Arrays.toString(shape));
        long size = 1;
        for (int d : shape) {
            if (d < 1) throw new IllegalArgumentException(layer + ": weightShape dimensions must be >= 1, was " + Arrays.toString(shape));
            size *= d;
        }
        if (size > Integer.MAX_VALUE) throw new IllegalArgumentException(layer + ": weightShape too large " + Arrays.toString(shape));
        return shape.clone();
    }

    /** {groups, n} for a granularity on a (checked) shape. */
    private static int[] derive(String layer, Granularity g, int[] s, int tileM) {
        Objects.requireNonNull(g, "granularity");
        boolean conv = s.length == 4;
        int out = s[0], in = conv ? s[1] * s[2] * s[3] : s[1];
        if (g != Granularity.TILE && tileM != 0)
            throw new IllegalArgumentException(layer + ": tileM must be 0 for " + g + ", was " + tileM);
        return switch (g) {
            case WEIGHT -> new int[]{out, in};
            case KERNEL -> {
                if (!conv) throw new IllegalArgumentException(layer + ": KERNEL granularity needs a convolution weight [cout, cin, kh, kw], was dense " + Arrays.toString(s));
                yield new int[]{out, s[1]};
            }
            case FILTER -> new int[]{1, out};
            case TILE -> {
                if (tileM < 1) throw new IllegalArgumentException(layer + ": tile M must be >= 1, was " + tileM);
                if (in % tileM != 0)
                    throw new IllegalArgumentException(layer + ": tile M = " + tileM + " does not divide the input axis of length " + in
                            + (conv ? " (cin*kh*kw)" : ""));
                yield new int[]{out * (in / tileM), tileM};
            }
        };
    }
}
