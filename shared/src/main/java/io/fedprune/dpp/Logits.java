package io.fedprune.dpp;

/** Initial logits from the weights (DESIGN.md §2: a per-group z-score of the candidates' magnitude, scaled). */
public final class Logits {
    private Logits() {
    }

    /** Default scale of {@link #fromWeights(float[], MaskSpec)}: 2 (the prototype's). */
    public static final double DEFAULT_SCALE = 2.0;

    /**
     * L2 norm of every candidate's weights, {@code float[G * n]}: {@code |w|} for WEIGHT and TILE, the norm of the
     * kh x kw kernel for KERNEL, of the whole output row / filter for FILTER.
     */
    public static float[] candidateNorms(float[] w, MaskSpec spec) {
        spec.checkLength("w", w, spec.size());
        int e = spec.candidateSize();
        float[] a = new float[spec.candidates()];
        for (int c = 0, o = 0; c < a.length; c++) {
            double s = 0;
            for (int j = 0; j < e; j++, o++) s += (double) w[o] * w[o];
            a[c] = (float) Math.sqrt(s);
        }
        return a;
    }

    /** {@link #fromWeights(float[], MaskSpec, double)} with scale 2. */
    public static float[] fromWeights(float[] w, MaskSpec spec) {
        return fromWeights(w, spec, DEFAULT_SCALE);
    }

    /**
     * {@code D_gi = scale * (a_gi - mean_g) / std_g} with {@code a} the {@link #candidateNorms}, mean and population
     * standard deviation per group; a group with zero spread gets zeros.
     */
    public static float[] fromWeights(float[] w, MaskSpec spec, double scale) {
        float[] a = candidateNorms(w, spec);
        int n = spec.n();
        for (int g = 0; g < spec.groups(); g++) {
            int off = g * n;
            double mean = 0, var = 0;
            for (int i = 0; i < n; i++) mean += a[off + i];
            mean /= n;
            for (int i = 0; i < n; i++) var += (a[off + i] - mean) * (a[off + i] - mean);
            double sd = Math.sqrt(var / n);
            for (int i = 0; i < n; i++) a[off + i] = sd > 0 ? (float) (scale * (a[off + i] - mean) / sd) : 0f;
        }
        return a;
    }
}
