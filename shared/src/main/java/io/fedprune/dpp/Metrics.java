package io.fedprune.dpp;

import java.util.BitSet;
import java.util.List;

/**
 * Per-layer mask metrics (DESIGN.md §2). Natural logarithms throughout.
 *
 * <p><b>Inclusion probabilities.</b> Gumbel top-k with scale 1 samples k candidates of a group without replacement
 * with probabilities proportional to {@code w_i = exp(D_i)} (Plackett-Luce). Their inclusion probabilities are
 * approximated (Rosén's approximation for successive sampling, which is also the continuous limit of the
 * relaxation at T = 1) by {@code p_i = 1 - exp(-exp(D_i - tau))}, {@code tau} solved so that {@code sum_i p_i = k}.
 * Deterministic, no sampling; within 0.025 of the exact Plackett-Luce values on the test case n = 5, k = 2 (logits
 * 1.2, 0.5, 0, -0.4, -1.5). When {@code k = n}, {@code p_i = 1}.
 *
 * <p><b>Confidence</b> of a group: with {@code q_i = p_i / k} (sums to 1) and {@code H = -sum_i q_i log q_i},
 * {@code conf_g = 1 - (H - log k) / (log n - log k)}: 1 when the group's mask is certain (k candidates with
 * {@code p = 1}, H = log k, the least H can be given {@code p_i <= 1}), 0 when every candidate is equally likely
 * (H = log n). A layer's confidence is the mean over its groups; a group with {@code k = n} counts as 1.
 *
 * <p><b>Diversity</b> of a layer's group mask A (G groups): the mean selection frequency
 * {@code f_i = (1/G) sum_g A_gi}, {@code q_i = f_i / k}, {@code H = -sum_i q_i log q_i},
 * {@code div = (H - log k) / (log n - log k)}: 0 when all groups pick the same k candidates (structure shared across
 * groups; always 0 for a single group), 1 when the selections spread evenly over all n; 0 when {@code k = n}.
 *
 * <p><b>Jaccard</b> of two masks (any shape): {@code |a AND b| / |a OR b|} over non-zero entries; 1 when both are empty.
 *
 * <p><b>Relative change</b> of logits from {@code a} to {@code b} (all layers together):
 * {@code ||b - a|| / ||a||} (Euclidean norms); {@code ||b - a||} when {@code a} is all zero.
 */
public final class Metrics {
    private Metrics() {
    }

    /** Inclusion probabilities {@code p} per candidate ({@code float[G * n]}, each group sums to k). */
    public static double[] inclusionProbabilities(float[] logits, MaskSpec spec) {
        spec.checkLength("logits", logits, spec.candidates());
        int n = spec.n(), k = spec.k();
        double[] p = new double[logits.length], fp = new double[n];
        for (int g = 0; g < spec.groups(); g++) {
            int off = g * n;
            if (k == n) {
                java.util.Arrays.fill(p, off, off + n, 1.0);
                continue;
            }
            double tau = Relax.limitTau(logits, off, n, k, 1.0, Relax.midTau(logits, off, n, k, 1.0), 200, 1e-9, fp);
            for (int i = 0; i < n; i++) p[off + i] = -Math.expm1(-Math.exp(Math.min(logits[off + i] - tau, 30.0)));
        }
        return p;
    }

    /** Mean over groups of the per-group confidence (see the class comment). */
    public static double confidence(float[] logits, MaskSpec spec) {
        int n = spec.n(), k = spec.k();
        if (k == n) return 1.0;
        double[] p = inclusionProbabilities(logits, spec);
        double sum = 0, range = Math.log(n) - Math.log(k);
        for (int g = 0; g < spec.groups(); g++) {
            double h = 0;
            for (int i = g * n; i < (g + 1) * n; i++) h -= xlogx(p[i] / k);
            sum += 1 - (h - Math.log(k)) / range;
        }
        return sum / spec.groups();
    }

    /** Diversity of a group mask (see the class comment). */
    public static double diversity(float[] groupMask, MaskSpec spec) {
        spec.checkLength("groupMask", groupMask, spec.candidates());
        int n = spec.n(), k = spec.k(), groups = spec.groups();
        if (k == n) return 0.0;
        double[] f = new double[n];
        for (int i = 0; i < groupMask.length; i++) if (groupMask[i] != 0) f[i % n] += 1;
        double total = 0;
        for (double x : f) total += x;
        if (total == 0) return 0.0;
        double h = 0;
        for (double x : f) h -= xlogx(x / total);
        return (h - Math.log(k)) / (Math.log(n) - Math.log(k));
    }

    /** Jaccard similarity (IoU) of two masks of the same length; 1 when both are empty. */
    public static double jaccard(float[] a, float[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("masks differ in length: " + a.length + " vs " + b.length);
        long inter = 0, union = 0;
        for (int i = 0; i < a.length; i++) {
            boolean x = a[i] != 0, y = b[i] != 0;
            if (x && y) inter++;
            if (x || y) union++;
        }
        return union == 0 ? 1.0 : (double) inter / union;
    }

    /** Jaccard similarity (IoU) of two masks given as their set bits; 1 when both are empty. */
    public static double jaccard(BitSet a, BitSet b) {
        BitSet inter = (BitSet) a.clone();
        inter.and(b);
        BitSet union = (BitSet) a.clone();
        union.or(b);
        return union.isEmpty() ? 1.0 : (double) inter.cardinality() / union.cardinality();
    }

    /** The mean Jaccard similarity over all pairs of masks; 1 for fewer than two masks. */
    public static double meanPairwiseJaccard(List<BitSet> masks) {
        if (masks.size() < 2) return 1.0;
        double sum = 0;
        int pairs = 0;
        for (int i = 0; i < masks.size(); i++)
            for (int j = i + 1; j < masks.size(); j++) {
                sum += jaccard(masks.get(i), masks.get(j));
                pairs++;
            }
        return sum / pairs;
    }

    /** The relative change from {@code a} to {@code b}, per layer arrays of equal lengths (see the class comment). */
    public static double relativeChange(List<float[]> a, List<float[]> b) {
        if (a.size() != b.size()) throw new IllegalArgumentException("layer counts differ: " + a.size() + " vs " + b.size());
        double d = 0, n = 0;
        for (int l = 0; l < a.size(); l++) {
            float[] x = a.get(l), y = b.get(l);
            if (x.length != y.length) throw new IllegalArgumentException("layer " + l + " lengths differ: " + x.length + " vs " + y.length);
            for (int i = 0; i < x.length; i++) {
                double u = x[i], v = y[i];
                d += (v - u) * (v - u);
                n += u * u;
            }
        }
        return n == 0 ? Math.sqrt(d) : Math.sqrt(d / n);
    }

    private static double xlogx(double x) {
        return x > 0 ? x * Math.log(x) : 0.0;
    }
}
