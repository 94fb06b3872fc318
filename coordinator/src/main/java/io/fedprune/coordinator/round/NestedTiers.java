package io.fedprune.coordinator.round;

import io.fedprune.dpp.MaskSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Tiers each cut from its own fusion, nested smallest first (a job's {@code tierProximity} p > 0, docs/MODELS.md).
 *
 * <p>A device trained at its own k: its logits say which k candidates to keep, and little about which k' to keep for
 * a k' far from it. So each tier fuses every device's vote weighted by how close the device's kept fraction f_d is to
 * the tier's f_t: its usual weight times {@code (min(f_d, f_t) / max(f_d, f_t))^p}. The tiers are then nested from the
 * smallest: per group, the smallest tier keeps the top k_1 of its own scores, each larger tier keeps the smaller
 * tier's candidates plus the best k_t - k_(t-1) of the rest by its own scores, and the candidates no tier keeps follow
 * in the order of the plain fusion (all devices at their usual weight). That order is the round's result: its scores
 * (n - position) cut every tier exactly, and the next round's global logits are the plain fusion's values placed in
 * that order (the largest value first), so a device at a tier's k starts the next round from that tier's cut.
 * With p = 0 every tier's fusion is the plain one and the order is the plain fusion's (the shared ranking).
 */
public final class NestedTiers {
    private final List<List<MaskSpec>> tiers;
    private final double[] tierFraction;
    private final double exponent;

    /**
     * @param tiers    every tier's mask specs, smallest keep first (each layer's k non-decreasing from tier to tier)
     * @param exponent p > 0
     */
    public NestedTiers(List<List<MaskSpec>> tiers, double exponent) {
        if (!(exponent > 0) || Double.isInfinite(exponent)) throw new IllegalArgumentException("exponent must be finite and > 0, was " + exponent);
        if (tiers.isEmpty()) throw new IllegalArgumentException("no tiers");
        for (int t = 1; t < tiers.size(); t++)
            for (int l = 0; l < tiers.get(t).size(); l++)
                if (tiers.get(t).get(l).k() < tiers.get(t - 1).get(l).k())
                    throw new IllegalArgumentException("tier " + t + " keeps fewer of " + tiers.get(t).get(l).layer() + " than tier " + (t - 1));
        this.tiers = List.copyOf(tiers);
        this.exponent = exponent;
        this.tierFraction = tiers.stream().mapToDouble(NestedTiers::keptFraction).toArray();
    }

    /** The fraction of all candidates that specs keep: sum of groups x k over sum of groups x n. */
    public static double keptFraction(List<MaskSpec> specs) {
        double kept = 0, all = 0;
        for (MaskSpec s : specs) {
            kept += (double) s.groups() * s.k();
            all += (double) s.groups() * s.n();
        }
        return kept / all;
    }

    /** The number of tiers. */
    public int size() {
        return tiers.size();
    }

    /** The factor of a device's weight in each tier's fusion, smallest tier first: (min(f_d, f_t) / max(f_d, f_t))^p. */
    public double[] factors(List<MaskSpec> device) {
        double f = keptFraction(device);
        double[] out = new double[tierFraction.length];
        for (int t = 0; t < out.length; t++) out[t] = Math.pow(Math.min(f, tierFraction[t]) / Math.max(f, tierFraction[t]), exponent);
        return out;
    }

    /**
     * The nested order.
     *
     * @param tierScores per tier (smallest first), per layer, that tier's fused scores (higher = keep)
     * @param rest       per layer, the scores that order the candidates no tier keeps (the plain fusion's)
     * @param values     per layer, the plain fusion's logits, whose values are placed in the nested order
     * @return per layer, the scores (n - position in the order) and the logits (the values, largest at position 0)
     */
    public Nested nest(List<List<float[]>> tierScores, List<float[]> rest, List<float[]> values) {
        if (tierScores.size() != tiers.size()) throw new IllegalArgumentException(tierScores.size() + " tiers' scores for " + tiers.size() + " tiers");
        List<float[]> scores = new ArrayList<>(), logits = new ArrayList<>();
        for (int l = 0; l < rest.size(); l++) {
            int n = tiers.get(0).get(l).n();
            float[] s = new float[rest.get(l).length], v = new float[s.length];
            int[] k = new int[tiers.size() + 1];
            float[][] by = new float[tiers.size() + 1][];
            for (int t = 0; t < tiers.size(); t++) {
                k[t] = tiers.get(t).get(l).k();
                by[t] = tierScores.get(t).get(l);
            }
            k[tiers.size()] = n;
            by[tiers.size()] = rest.get(l);
            for (int off = 0; off < s.length; off += n) nestRow(by, k, values.get(l), off, n, s, v);
            scores.add(s);
            logits.add(v);
        }
        return new Nested(scores, logits);
    }

    /** One group: positions filled tier by tier, each taking its best unpicked candidates (ties: the lower index). */
    private static void nestRow(float[][] by, int[] k, float[] values, int off, int n, float[] scores, float[] logits) {
        boolean[] picked = new boolean[n];
        int pos = 0;
        float[] sorted = Arrays.copyOfRange(values, off, off + n);
        Arrays.sort(sorted);
        long[] byScore = new long[n];
        for (int t = 0; t < by.length; t++) {
            for (int i = 0; i < n; i++) byScore[i] = (long) ~ordered(by[t][off + i]) << 32 | i;
            Arrays.sort(byScore);                          // the highest score first (Float.compare's order), ties: lower index
            for (int j = 0; j < n && pos < k[t]; j++) {
                int i = (int) byScore[j];
                if (picked[i]) continue;
                picked[i] = true;
                scores[off + i] = n - pos;
                logits[off + i] = sorted[n - 1 - pos];
                pos++;
            }
        }
    }

    /** An int whose signed order is {@link Float#compare}'s order of the floats (-0 below +0, NaN above all). */
    private static int ordered(float f) {
        int bits = Float.floatToIntBits(f);
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }

    /**
     * A round's nested result.
     *
     * @param scores per layer, n - the candidate's position in the nested order
     * @param logits per layer, the plain fusion's values in that order
     */
    public record Nested(List<float[]> scores, List<float[]> logits) {
    }
}
