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

    /** Per row, the rank of each value (0 = smallest); tied values get their average rank. */
    static final class Ranker {
        private final RadixOrder order;

        Ranker(int n) {
            order = new RadixOrder(n);
        }

        /** {@code out[oo + j]} = the rank of {@code x[off + j]} in the row {@code x[off..off+n)}. */
        void rank(float[] x, int off, double[] out, int oo) {
            long[] key = order.key();
            for (int j = 0; j < key.length; j++) key[j] = RadixOrder.key(x[off + j]);
            order.sort(4);
            for (int from = 0, to; from < key.length; from = to) {
                to = order.tieRunEnd(from);
                double rank = 0.5 * (from + to - 1);
                for (int t = from; t < to; t++) out[oo + order.index(t)] = rank;
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
        RadixOrder order = new RadixOrder(n);
        double[] sorted = new double[n];
        for (int g = 0; g < s.groups(); g++) {
            int off = g * n;
            long[] key = order.key();                                           // sort() swaps its buffers
            for (int j = 0; j < n; j++) key[j] = RadixOrder.key(scores[off + j]);
            order.sort(8);
            System.arraycopy(values, off, sorted, 0, n);
            Arrays.sort(sorted);
            for (int from = 0, to; from < n; from = to) {
                to = order.tieRunEnd(from);
                double sum = 0;
                for (int t = from; t < to; t++) sum += sorted[t];
                float v = (float) (sum / (to - from));
                float rank = 0.5f * (from + to - 1);
                for (int t = from; t < to; t++) {
                    out[off + order.index(t)] = v;
                    rankOut[off + order.index(t)] = rank;
                }
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
