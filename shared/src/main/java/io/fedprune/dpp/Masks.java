package io.fedprune.dpp;

import java.util.BitSet;
import java.util.List;
import java.util.Objects;

/**
 * Deterministic k-of-n masks: the final mask of trained logits and the two baselines with exactly the same
 * structure. All return group masks {@code float[G * n]} of 0/1 with exactly k ones per group; expand them with
 * {@link MaskSpec#expand}.
 */
public final class Masks {
    private Masks() {
    }

    /** Top-k of {@code scores} per group; ties broken by the lower index, NaN ranks lowest. */
    public static float[] topK(float[] scores, MaskSpec spec) {
        spec.checkLength("scores", scores, spec.candidates());
        return topKRows(scores, spec.n(), spec.k());
    }

    /** Top-k of every row of {@code n} consecutive scores (ties broken by the lower index, NaN ranks lowest). */
    public static float[] topKRows(float[] scores, int n, int k) {
        if (n < 1 || k < 1 || k > n || scores.length % n != 0)
            throw new IllegalArgumentException("top-" + k + " of rows of " + n + " over " + scores.length + " scores");
        float[] mask = new float[scores.length], scratch = new float[n], stats = new float[2];
        for (int g = 0; g < scores.length / n; g++) Relax.topK(scores, g * n, n, k, mask, g * n, scratch, stats, 0);
        return mask;
    }

    /** Magnitude baseline: top-k per group of the candidates' L2 norms ({@code |w|} for single weights). */
    /**
     * The top-k masks of several layers as one bit set, layer after layer (bit {@code offset_l + i} set when candidate
     * {@code i} of layer {@code l} is kept, {@code offset_l} the candidates of the layers before it).
     */
    public static BitSet topKBits(List<float[]> scores, List<MaskSpec> specs) {
        BitSet bits = new BitSet();
        int off = 0;
        for (int l = 0; l < specs.size(); l++) {
            float[] m = topK(scores.get(l), specs.get(l));
            for (int i = 0; i < m.length; i++) if (m[i] != 0) bits.set(off + i);
            off += m.length;
        }
        return bits;
    }

    public static float[] magnitude(float[] w, MaskSpec spec) {
        return topK(Logits.candidateNorms(w, spec), spec);
    }

    /** Random baseline: a uniformly random k-subset per group, from {@code seed}. */
    public static float[] random(MaskSpec spec, long seed) {
        long key = Gumbel.streamKey(seed, 0);
        float[] u = new float[spec.candidates()];
        for (int i = 0; i < u.length; i++) u[i] = Gumbel.uniform(key, i);
        return topK(u, spec);
    }

    /** Number of non-zero entries in every group of a group mask. */
    public static int[] keptPerGroup(float[] groupMask, MaskSpec spec) {
        spec.checkLength("groupMask", groupMask, spec.candidates());
        int n = spec.n();
        int[] c = new int[spec.groups()];
        for (int i = 0; i < groupMask.length; i++) if (groupMask[i] != 0) c[i / n]++;
        return c;
    }

    /** Whether every group of {@code groupMask} is 0/1 with exactly {@code spec.k()} ones. */
    public static boolean isKOfN(float[] groupMask, MaskSpec spec) {
        Objects.requireNonNull(groupMask, "groupMask");
        if (groupMask.length != spec.candidates()) return false;
        for (float v : groupMask) if (v != 0f && v != 1f) return false;
        for (int c : keptPerGroup(groupMask, spec)) if (c != spec.k()) return false;
        return true;
    }
}
