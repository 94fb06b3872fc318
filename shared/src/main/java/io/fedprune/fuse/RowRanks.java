package io.fedprune.fuse;

/**
 * The per-row ranks a device may send with its logits for {@link Fusion#RANK}, and what the coordinator checks of them.
 *
 * <p>A row's ranks are as the rule defines them (0 = smallest; tied values share their average rank), sent as twice the
 * rank: an integer in [0, 2n - 2]. Ranking a row is the costly part of the rule (sorting it: about 10 ns per logit on
 * the coordinator, for every update of every round); a device ranks its own logits once per round, taken of them
 * exactly as the coordinator decodes them (after the uplink encoding's rounding), and the coordinator folds the ranks
 * it receives in the same streaming pass as the logits ({@link FixedSum#add2}), checking that each row's ranks look like
 * a ranking: every value in range, the row's sum that of every ranking, {@code n(n - 1)}, and the row's sum of squares
 * at most a permutation's (tied ranks only lower it).
 *
 * <p>It does not check that the ranks agree with the logits. A device chooses its logits freely, so agreement would
 * prove nothing about its honesty: any ranking is one a device may legitimately send. What bounds a device's influence
 * on the fused ranking is that its vote per row is no larger than a ranking's: no candidate above the top rank (range),
 * no shift of the row (sum), and no more spread than a permutation (squares: the row lies in the ball around the mean
 * rank on whose surface every permutation lies, so its pull in any direction is at most a permutation's distance from
 * the mean). Ranks that disagree with the device's own logits only make its vote inconsistent with its logit mean,
 * which the rule takes separately.
 */
public final class RowRanks {
    private RowRanks() {
    }

    /**
     * Per row of {@code n}, twice the rank of each of {@code x}'s values ({@code out[g * n + j]} = twice the rank of
     * {@code x[g * n + j]} in row g; -0 equal to +0): the ranks the coordinator's own sort gives.
     *
     * @throws IllegalArgumentException if {@code x.length} is not a multiple of {@code n}
     */
    public static int[] twice(float[] x, int n) {
        if (n < 1 || x.length % n != 0) throw new IllegalArgumentException(x.length + " values are not rows of " + n);
        int[] out = new int[x.length], row = new int[n];
        RowOps.Ranker ranker = new RowOps.Ranker(n);
        for (int off = 0; off < x.length; off += n) {
            ranker.rank(x, off, row);
            System.arraycopy(row, 0, out, off, n);
        }
        return out;
    }

    /** The sum of every row of n twice-ranks: {@code 2 (0 + 1 + ... + n-1) = n (n - 1)}. */
    static long sum(int n) {
        return (long) n * (n - 1);
    }

    /** The largest sum of squares of a row of n twice-ranks, a permutation's: {@code 4 (0^2 + ... + (n-1)^2)}. */
    static long maxSquares(int n) {
        return 4 * ((long) (n - 1) * n * (2L * n - 1) / 6);
    }

    /** Whether a row of n twice-ranks, each in [0, 2n - 2], with this sum and sum of squares looks like a ranking. */
    static boolean looksLikeRanking(int n, long sum, long squares) {
        return sum == sum(n) && squares <= maxSquares(n);
    }

    /** What is wrong with the twice-ranks {@code r[at, at + n)}: a description of the first failed check, or null if none. */
    static String problem(int[] r, int at, int n) {
        long sum = 0, squares = 0;
        for (int i = 0; i < n; i++) {
            int v = r[at + i];
            if (v < 0 || v > 2 * n - 2) return "twice the rank of element " + i + " is " + v + ", outside [0, " + (2 * n - 2) + "]";
            sum += v;
            squares += (long) v * v;
        }
        if (sum != sum(n)) return "its twice-ranks sum to " + sum + ", not n(n-1) = " + sum(n);
        if (squares > maxSquares(n)) return "its twice-ranks spread more than a permutation's (sum of squares " + squares + " > " + maxSquares(n) + ")";
        return null;
    }
}
