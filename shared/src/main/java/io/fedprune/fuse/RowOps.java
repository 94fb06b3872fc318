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
        int[] row = new int[s.n()];
        for (int off = 0; off < x.length; off += s.n()) {
            r.rank(x, off, row);
            for (int j = 0; j < row.length; j++) out[off + j] = 0.5 * row[j];
        }
        return out;
    }

    /**
     * Per row, twice the rank of each value (0 = smallest; tied values get their average rank, so twice it is an
     * integer: {@link RowRanks}), by sorting the row. Not thread-safe.
     *
     * <p>Sorting a row: each value gets a 16-bit key, its place on an even grid from the row's minimum to its maximum
     * ({@link #keys}); the key does not decrease as the value grows, so sorting by key (two 8-bit counting passes over
     * ints that pack the key above the position) orders the row up to values that share a key: the second pass writes each
     * value's position as its rank, and each run of positions sharing a key (a few per row; equal values, as INT8 updates
     * have, share one) is then ordered by value and its equal values given their average position. Exact: the ranks are
     * those of the definition. Rows the grid does not spread (a NaN, an infinity, equal extremes, distinct values sharing
     * keys that take more than n moves to order) are sorted by {@link RadixOrder} instead, which alone takes about twice
     * as long on Gaussian rows of 784.
     */
    static final class Ranker {
        /** Rows up to this long are ranked from 16-bit keys (the position takes the other 16 bits of an int). */
        static final int MAX_KEYED = 1 << 16;
        private final int n;
        private final RadixOrder order;
        private final float[] sorted;
        private final int[] packed, spare;
        private final int[] count = new int[512];

        Ranker(int n) {
            this.n = n;
            order = new RadixOrder(n);
            sorted = new float[n];
            packed = new int[n];
            spare = new int[n];
        }

        /** {@code out[j]} = twice the rank of {@code x[off + j]} in the row {@code x[off..off+n)}, by sorting the row. */
        void rank(float[] x, int off, int[] out) {
            if (!rankByKeys(x, off, out)) rankByRadix(x, off, out);
        }

        /** {@link #rank} by a radix sort of the row's order-preserving 32-bit keys (any row). */
        void rankByRadix(float[] x, int off, int[] out) {
            long[] key = order.key();
            for (int j = 0; j < n; j++) key[j] = RadixOrder.key(x[off + j]);
            order.sort(4);
            for (int from = 0, to; from < n; from = to) {
                to = order.tieRunEnd(from);
                int rank = from + to - 1;
                for (int t = from; t < to; t++) out[order.index(t)] = rank;
            }
        }

        /** Added to a float in [0, 2^22], rounds it to the nearest integer, which the sum's low mantissa bits then hold. */
        private static final float ROUND = 0x1p23f;

        /**
         * The row's keys, each held in a float: {@code grid[j] = (x[off + j] - min) * (65535 / (max - min)) + ROUND} over
         * the row's min and max, each step a float operation, so the key does not decrease as the value grows: ROUND plus
         * an integer key in [0, 65535], whose bits are {@code 0x4b000000 | key}.
         *
         * @return false (grid undefined) if that scale is not finite and > 0: an infinity, equal extremes, a range beyond
         *         float's, or a NaN first; a NaN elsewhere is passed over by the extremes and makes its grid value NaN
         */
        static boolean keys(float[] x, int off, int n, float[] grid) {
            float min = x[off], max = min;
            for (int j = 1; j < n; j++) {                  // (a NaN is passed over here and shows in its grid value)
                float v = x[off + j];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float scale = 65535f / (max - min);
            if (!(scale > 0 && scale < Float.POSITIVE_INFINITY)) return false;
            for (int j = 0; j < n; j++) grid[j] = (x[off + j] - min) * scale + ROUND;
            return true;
        }

        /**
         * {@link #rank} by the row's 16-bit keys; false (and {@code out} undefined) for a row they do not spread: a longer
         * row, no finite scale ({@link #keys}), a NaN, or distinct values sharing keys that take more than n moves to order.
         */
        boolean rankByKeys(float[] x, int off, int[] out) {
            if (n > MAX_KEYED || !keys(x, off, n, sorted)) return false;
            int[] p = packed;
            java.util.Arrays.fill(count, 0);
            int bits = 0;                                  // a key's float has the bits 0x4b00xxxx, a NaN others
            for (int j = 0; j < n; j++) {
                int b = Float.floatToRawIntBits(sorted[j]);
                RadixOrder.count(count, p[j] = b << 16 | j);   // the key above the position
                bits |= b;
            }
            if ((bits & 0xffff0000) != 0x4b000000) return false;
            RadixOrder.sortPacked(p, spare, count, n, out);   // the sorted position of a value is its rank, unless its key is shared
            for (int t = 0, moves = 0; t < n - 1; t++) {
                if (((p[t] ^ p[t + 1]) >>> 16) != 0) continue;
                int from = t, to = RadixOrder.packedRunEnd(p, t, n);
                moves += rankRun(x, off, from, to, n - moves, out);
                if (moves > n) return false;
                t = to - 1;
            }
            return true;
        }

        /**
         * Ranks sorted positions [from, to), whose values share a key: orders them by value (insertion) and gives each run
         * of equal values its average position. Returns the number of moves the insertion made, or stops (out undefined)
         * once they exceed {@code budget}.
         */
        private int rankRun(float[] x, int off, int from, int to, int budget, int[] out) {
            int[] p = packed;
            float[] sv = sorted;
            int moves = 0;
            for (int t = from; t < to; t++) {
                int v = p[t], at = t;
                float xv = x[off + (v & 0xffff)];
                while (at > from && sv[at - 1] > xv) {
                    p[at] = p[at - 1];
                    sv[at] = sv[at - 1];
                    at--;
                }
                p[at] = v;
                sv[at] = xv;
                moves += t - at;
                if (moves > budget) return moves;
            }
            for (int a = from, b; a < to; a = b) {
                for (b = a + 1; b < to && sv[b] == sv[a]; ) b++;
                int rank = a + b - 1;
                for (int t = a; t < b; t++) out[p[t] & 0xffff] = rank;
            }
            return moves;
        }
    }

    /**
     * Per row, the values of {@code values} sorted ascending and placed in the ascending order of {@code scores}: the
     * candidate with the i-th smallest score gets the i-th smallest value; candidates tied in score share the mean of
     * the values their positions would get. Writes those values to {@code out} and the per-row rank of each score
     * (0 = smallest, ties averaged; exact in float) to {@code rankOut}.
     */
    static void reorder(double[] scores, double[] values, LayerShape s, float[] out, float[] rankOut) {
        long[] keys = new long[scores.length], valueKeys = new long[values.length];
        for (int i = 0; i < keys.length; i++) keys[i] = RadixOrder.key(scores[i]);
        for (int i = 0; i < valueKeys.length; i++) valueKeys[i] = RadixOrder.key(values[i]);
        reorder(keys, valueKeys, false, values, s, out, rankOut);
    }

    /**
     * {@link #reorder(double[], double[], LayerShape, float[], float[])} with the scores and the values also given as keys
     * whose unsigned order is theirs (equal scores: equal keys; the values' keys need only not decrease as the value
     * grows), e.g. {@link RadixOrder#key(double)} or a fixed-point sum with its sign bit flipped: then {@code spread}
     * (keys spread over their range, as fixed-point sums are) lets each row be ordered by {@link RadixOrder#sortByGrid},
     * else both sorts are radix sorts of the row. Only the values' sorted sequence is used, which any order consistent with
     * them gives, and the scores' order is stable either way, so the result does not depend on which sort ran. The rows
     * are independent: a layer of many rows is split into ranges of rows done at once on the common fork-join pool (the
     * fusion's finish is on the round's critical path), each row's result the same as done alone.
     */
    static void reorder(long[] scoreKeys, long[] valueKeys, boolean spread, double[] values, LayerShape s, float[] out, float[] rankOut) {
        int parts = (int) Math.min(PARALLELISM, (long) s.groups() * s.n() / MIN_PARALLEL_LOGITS);
        if (parts <= 1) {
            reorderRows(scoreKeys, valueKeys, spread, values, s, out, rankOut, 0, s.groups());
            return;
        }
        java.util.stream.IntStream.range(0, parts).parallel().forEach(p -> reorderRows(scoreKeys, valueKeys, spread, values, s, out, rankOut,
                (int) ((long) s.groups() * p / parts), (int) ((long) s.groups() * (p + 1) / parts)));
    }

    /** Ranges of rows {@link #reorder} does at once: one per worker of the common pool and the caller. */
    private static final int PARALLELISM = java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() + 1;
    /** Logits of a layer below which {@link #reorder} does all its rows on the caller's thread. */
    private static final long MIN_PARALLEL_LOGITS = 1 << 14;

    /** {@link #reorder} of the rows {@code first} to {@code end} (exclusive). */
    private static void reorderRows(long[] scoreKeys, long[] valueKeys, boolean spread, double[] values, LayerShape s, float[] out,
                                    float[] rankOut, int first, int end) {
        int n = s.n();
        RadixOrder byScore = new RadixOrder(n), byValue = new RadixOrder(n);
        double[] sorted = new double[n];
        for (int g = first; g < end; g++) {
            int off = g * n;
            System.arraycopy(scoreKeys, off, byScore.key(), 0, n);          // (sorting swaps the key buffers)
            System.arraycopy(valueKeys, off, byValue.key(), 0, n);
            if (spread) {
                byScore.sortByGrid();
                byValue.sortByGrid();
            } else {
                byScore.sort(8);
                byValue.sort(8);
            }
            for (int t = 0; t < n; t++) sorted[t] = values[off + byValue.index(t)];
            for (int from = 0, to; from < n; from = to) {
                to = byScore.tieRunEnd(from);
                double sum = 0;
                for (int t = from; t < to; t++) sum += sorted[t];
                float v = (float) (sum / (to - from));
                float rank = 0.5f * (from + to - 1);
                for (int t = from; t < to; t++) {
                    out[off + byScore.index(t)] = v;
                    rankOut[off + byScore.index(t)] = rank;
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
}
