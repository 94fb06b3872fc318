package io.fedprune.fuse;

import java.util.Arrays;

/** Per-row operations on row-major {@code [groups, n]} arrays. */
final class RowOps {
    private RowOps() {
    }

    /** Per row, the rank of each value (0 = smallest); tied values get their average rank. */
    static double[] ranks(float[] x, LayerShape s) {
        double[] out = new double[x.length];
        Ranker r = new Ranker(s.n());
        for (int off = 0; off < x.length; off += s.n()) r.rank(x, off, out, off);
        return out;
    }

    /**
     * Exact per-row ranks by a stable LSD radix sort of the values' order-preserving int keys (8 bits a pass, passes
     * in which every key has the same byte skipped): a few passes of n instead of a comparison sort. Reusable for rows
     * of one length; not thread-safe.
     */
    static final class Ranker {
        private final int n;
        private final int[] key, idx, key2, idx2, count = new int[4 * 256];

        Ranker(int n) {
            this.n = n;
            key = new int[n];
            idx = new int[n];
            key2 = new int[n];
            idx2 = new int[n];
        }

        /** {@code out[oo + j]} = the rank of {@code x[off + j]} in the row {@code x[off..off+n)}. */
        void rank(float[] x, int off, double[] out, int oo) {
            java.util.Arrays.fill(count, 0);
            for (int j = 0; j < n; j++) {
                int b = Float.floatToIntBits(x[off + j] + 0.0f);                // + 0.0f turns -0 into +0
                b ^= (b >> 31) & 0x7fffffff;                                    // IEEE order -> signed int order
                b ^= 0x80000000;                                                // -> unsigned order
                key[j] = b;
                idx[j] = j;
                count[b & 0xff]++;
                count[256 + ((b >>> 8) & 0xff)]++;
                count[512 + ((b >>> 16) & 0xff)]++;
                count[768 + (b >>> 24)]++;
            }
            int[] k = key, i = idx, k2 = key2, i2 = idx2;
            for (int pass = 0; pass < 4; pass++) {
                int base = pass * 256, shift = pass * 8;
                if (count[base + ((k[0] >>> shift) & 0xff)] == n) continue;         // one byte value: order unchanged
                for (int c = 0, sum = 0; c < 256; c++) {
                    int t = count[base + c];
                    count[base + c] = sum;
                    sum += t;
                }
                for (int j = 0; j < n; j++) {
                    int d = count[base + ((k[j] >>> shift) & 0xff)]++;
                    k2[d] = k[j];
                    i2[d] = i[j];
                }
                int[] t = k; k = k2; k2 = t;
                t = i; i = i2; i2 = t;
            }
            for (int start = 0; start < n; ) {
                int end = start;
                while (end + 1 < n && k[end + 1] == k[start]) end++;
                double rank = 0.5 * (start + end);
                for (int t = start; t <= end; t++) out[oo + i[t]] = rank;
                start = end + 1;
            }
        }
    }

    /**
     * Per row, the values of {@code values} sorted ascending and placed in the ascending order of {@code scores}: the
     * candidate with the i-th smallest score gets the i-th smallest value; candidates tied in score share the mean of
     * the values their positions would get. Writes those values to {@code out} and the per-row rank of each score
     * (0 = smallest, ties averaged; exact in float) to {@code rankOut}.
     */
    static void reorder(double[] scores, double[] values, LayerShape s, float[] out, float[] rankOut) {
        int n = s.n();
        Integer[] order = new Integer[n];
        double[] sorted = new double[n];
        for (int g = 0; g < s.groups(); g++) {
            int off = g * n;
            for (int j = 0; j < n; j++) order[j] = j;
            Arrays.sort(order, (a, b) -> Double.compare(scores[off + a], scores[off + b]));
            System.arraycopy(values, off, sorted, 0, n);
            Arrays.sort(sorted);
            for (int start = 0; start < n; ) {
                int end = start;
                while (end + 1 < n && scores[off + order[end + 1]] == scores[off + order[start]]) end++;
                double sum = 0;
                for (int t = start; t <= end; t++) sum += sorted[t];
                float v = (float) (sum / (end - start + 1));
                float rank = 0.5f * (start + end);
                for (int t = start; t <= end; t++) {
                    out[off + order[t]] = v;
                    rankOut[off + order[t]] = rank;
                }
                start = end + 1;
            }
        }
    }

    /**
     * Per row, the continuous-limit inclusion probabilities of a k-subset (DESIGN.md §2):
     * m_i = 1 - exp(-exp(x_i / T - tau)), tau solved so that the row sums to k (safeguarded Newton on a bracket).
     */
    static double[] inclusion(float[] x, LayerShape s, int k, double temperature) {
        int n = s.n();
        double[] out = new double[x.length];
        double[] row = new double[n];
        for (int g = 0; g < s.groups(); g++) {
            int off = g * n;
            if (k >= n) {
                Arrays.fill(out, off, off + n, 1.0);
                continue;
            }
            double max = Double.NEGATIVE_INFINITY, min = Double.POSITIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                row[j] = x[off + j] / temperature;
                max = Math.max(max, row[j]);
                min = Math.min(min, row[j]);
            }
            // f(tau) = sum m_i - k decreases in tau; f(lo) > 0 > f(hi)
            double lo = min - 40, hi = max + 40;
            double tau = 0.5 * (lo + hi);
            for (int it = 0; it < 200; it++) {
                double f = -k, fp = 0;
                for (int j = 0; j < n; j++) {
                    double e = Math.exp(Math.min(row[j] - tau, 30));
                    double m = -Math.expm1(-e);
                    f += m;
                    fp += e * (1 - m);               // -df/dtau
                }
                if (Math.abs(f) < 1e-12 * k) break;
                if (f > 0) lo = tau; else hi = tau;
                double next = fp > 0 ? tau + f / fp : Double.NaN;
                tau = next > lo && next < hi ? next : 0.5 * (lo + hi);
                if (hi - lo < 1e-15 * Math.max(1, Math.abs(tau))) break;
            }
            for (int j = 0; j < n; j++) out[off + j] = -Math.expm1(-Math.exp(Math.min(row[j] - tau, 30)));
        }
        return out;
    }

    static float[] toFloat(double[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = (float) x[i];
        return out;
    }
}
