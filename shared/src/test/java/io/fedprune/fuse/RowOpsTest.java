package io.fedprune.fuse;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RowOpsTest {

    /** rank_i = #{j: x_j < x_i} + (#{j: x_j == x_i} - 1) / 2, by definition (O(n^2)). */
    private static double naiveRank(float[] x, int off, int n, int i) {
        int less = 0, equal = 0;
        for (int j = 0; j < n; j++) {
            if (x[off + j] < x[off + i]) less++;
            else if (x[off + j] == x[off + i]) equal++;
        }
        return less + (equal - 1) / 2.0;
    }

    @Test
    void radixRanksEqualTheDefinitionWithTiesSignsAndZeros() {
        Random r = new Random(5);
        // {rows, n}; the last is large enough for reorder to split its rows among threads (on a machine of 2+ cores)
        for (int[] shape : new int[][]{{3, 1}, {3, 2}, {3, 7}, {3, 100}, {3, 784}, {50, 784}}) {
            int n = shape[1];
            LayerShape s = new LayerShape("l", shape[0], n);
            float[] x = new float[s.size()];
            for (int i = 0; i < x.length; i++) {
                int kind = r.nextInt(6);
                x[i] = switch (kind) {
                    case 0 -> 0f;
                    case 1 -> -0f;
                    case 2 -> r.nextInt(5) - 2;                                  // many ties
                    case 3 -> (float) (r.nextGaussian() * 1e-30);                // tiny, both signs
                    case 4 -> (float) (r.nextGaussian() * 1e30);
                    default -> (float) r.nextGaussian();
                };
            }
            double[] ranks = RowOps.ranks(x, s);
            for (int g = 0; g < s.groups(); g++)
                for (int i = 0; i < n; i++) assertEquals(naiveRank(x, g * n, n, i), ranks[g * n + i], "n " + n + " row " + g + " index " + i);
        }
    }

    /** One row of n values of a kind that exercises one path of {@link RowOps.Ranker#rank}. */
    private static float[] row(String kind, int n, Random r) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++)
            x[i] = switch (kind) {
                case "gaussian" -> (float) (r.nextGaussian() * 2);                      // a few distinct values share a key
                case "int8" -> Math.round(r.nextGaussian() * 16) / 16f;                // many ties, each on its own key
                case "signed zeros" -> r.nextBoolean() ? 0f : -0f;
                case "signed zeros and ones" -> new float[]{0f, -0f, 1f, -1f, 0.5f}[r.nextInt(5)];  // -0 ties +0
                case "cluster" -> i == 0 ? 1e4f : (float) r.nextGaussian();            // ~hundred distinct values a key
                case "constant" -> 3f;
                case "tiny range" -> 1f + Math.ulp(1f) * r.nextInt(4);                 // range of 3 ulps
                default -> throw new IllegalArgumentException(kind);
            };
        return x;
    }

    @Test
    void keyedRanksEqualTheDefinitionAndFallBackToTheRadixSortWhereTheKeysDoNotSpreadTheRow() {
        Random r = new Random(8);
        RowOps.Ranker ranker = new RowOps.Ranker(784);
        int[] out = new int[784];
        for (String kind : new String[]{"gaussian", "int8", "signed zeros", "signed zeros and ones", "cluster", "constant", "tiny range"})
            for (int rep = 0; rep < 20; rep++) {
                float[] x = row(kind, 784, r);
                boolean keyed = ranker.rankByKeys(x, 0, out);
                boolean shouldKey = switch (kind) {
                    case "gaussian", "int8", "signed zeros and ones", "tiny range" -> true;
                    default -> false;                          // equal extremes, or a cluster too long to insert
                };
                assertEquals(shouldKey, keyed, kind);
                ranker.rank(x, 0, out);
                for (int i = 0; i < x.length; i++) assertEquals(2 * naiveRank(x, 0, x.length, i), out[i], kind + " index " + i);
            }
    }

    @Test
    void rowsWithoutAFiniteRangeRankAsTheRadixSortDoes() {
        int[] out = new int[5], radix = new int[5];
        RowOps.Ranker ranker = new RowOps.Ranker(5);
        for (float[] x : new float[][]{{1, Float.NaN, 0, 2, 1}, {1, Float.POSITIVE_INFINITY, -1, 0, 5},
                {-Float.MAX_VALUE, Float.MAX_VALUE, 0, 1, 2}, {Float.MIN_VALUE, 0, 0, Float.MIN_VALUE, 0}}) {
            ranker.rank(x, 0, out);
            ranker.rankByRadix(x, 0, radix);
            org.junit.jupiter.api.Assertions.assertArrayEquals(radix, out, java.util.Arrays.toString(x));
        }
        assertEquals(false, ranker.rankByKeys(new float[]{-Float.MAX_VALUE, Float.MAX_VALUE, 0, 1, 2}, 0, out), "range beyond float");
        assertEquals(false, ranker.rankByKeys(new float[]{1, Float.NaN, 0, 2, 1}, 0, out), "a NaN after the first value");
        assertEquals(false, ranker.rankByKeys(new float[]{Float.NaN, 1, 0, 2, 1}, 0, out), "a NaN first");
        assertEquals(false, ranker.rankByKeys(new float[]{Float.MIN_VALUE, 0, 0, Float.MIN_VALUE, 0}, 0, out), "subnormal range");
        ranker.rank(new float[]{Float.MIN_VALUE, 0, 0, Float.MIN_VALUE, 0}, 0, out);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[]{7, 2, 2, 7, 2}, out);   // by hand: twice 3.5, 1, 1, 3.5, 1
    }

    @Test
    void keysByHand() {
        float[] grid = new float[4];                                 // by hand: min 1, max 3 -> keys 0, 65535, 32768 (rounded)
        assertEquals(true, RowOps.Ranker.keys(new float[]{1, 3, 2, 1}, 0, 4, grid));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[]{0x1p23f, 0x1p23f + 65535, 0x1p23f + 32768, 0x1p23f}, grid);
    }

    @Test
    void reorderGivesEachCandidateTheValueOfItsScoreRankByTheDefinition() {
        Random r = new Random(6);
        // {rows, n}; the last is large enough for reorder to split its rows among threads (on a machine of 2+ cores)
        for (int[] shape : new int[][]{{3, 1}, {3, 2}, {3, 7}, {3, 100}, {3, 784}, {50, 784}}) {
            int n = shape[1];
            LayerShape s = new LayerShape("l", shape[0], n);
            double[] scores = new double[s.size()], values = new double[s.size()];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = switch (r.nextInt(5)) {
                    case 0 -> r.nextBoolean() ? 0.0 : -0.0;
                    case 1 -> r.nextInt(5) - 2;                                    // many ties
                    case 2 -> r.nextGaussian() * 1e-300;                           // tiny, both signs
                    case 3 -> r.nextGaussian() * 1e300;
                    default -> r.nextGaussian();
                };
                values[i] = r.nextGaussian();
            }
            float[] out = new float[s.size()], rank = new float[s.size()];
            RowOps.reorder(scores, values, s, out, rank);
            for (int g = 0; g < s.groups(); g++) {
                int off = g * n;
                double[] sorted = java.util.Arrays.copyOfRange(values, off, off + n);
                java.util.Arrays.sort(sorted);
                for (int i = 0; i < n; i++) {
                    int less = 0, equal = 0;
                    for (int j = 0; j < n; j++) {
                        if (scores[off + j] < scores[off + i]) less++;
                        else if (scores[off + j] == scores[off + i]) equal++;
                    }
                    double sum = 0;
                    for (int t = less; t < less + equal; t++) sum += sorted[t];
                    String at = "n " + n + " row " + g + " index " + i;
                    assertEquals((float) (sum / equal), out[off + i], at);
                    assertEquals(less + (equal - 1) / 2f, rank[off + i], at);
                }
            }
        }
    }
    /** Keys of a kind that exercises one path of {@link RadixOrder#sortByGrid}. */
    private static long[] keys(String kind, int n, Random r) {
        long[] k = new long[n];
        for (int i = 0; i < n; i++)
            k[i] = switch (kind) {
                case "fixed-point sums" -> (long) (r.nextGaussian() * 0x1p40) ^ Long.MIN_VALUE;        // both signs, flipped
                case "ties" -> (r.nextInt(7) - 3) * 1000L ^ Long.MIN_VALUE;
                case "equal" -> 42;
                case "full range" -> new long[]{0, -1, Long.MIN_VALUE, Long.MAX_VALUE, r.nextLong()}[r.nextInt(5)];
                case "cluster" -> i == 0 ? Long.MAX_VALUE : r.nextInt(1 << 20);                  // crowds: the radix sort
                default -> throw new IllegalArgumentException(kind);
            };
        return k;
    }

    @Test
    void theGridOrderIsTheRadixSortsPositionForPosition() {
        Random r = new Random(9);
        for (int n : new int[]{1, 2, 3, 100, 784})
            for (String kind : new String[]{"fixed-point sums", "ties", "equal", "full range", "cluster"})
                for (int rep = 0; rep < 5; rep++) {
                    long[] k = keys(kind, n, r);
                    RadixOrder grid = new RadixOrder(n), radix = new RadixOrder(n);
                    System.arraycopy(k, 0, grid.key(), 0, n);
                    System.arraycopy(k, 0, radix.key(), 0, n);
                    grid.sortByGrid();
                    radix.sort(8);
                    for (int t = 0; t < n; t++) {
                        assertEquals(radix.index(t), grid.index(t), kind + " n " + n + " position " + t);
                        assertEquals(radix.tieRunEnd(t), grid.tieRunEnd(t), kind + " n " + n + " position " + t);
                        if (t > 0) assertEquals(true, Long.compareUnsigned(k[grid.index(t - 1)], k[grid.index(t)]) <= 0);
                    }
                }
    }

    @Test
    void reorderingFromFixedPointKeysGivesTheBitsOfReorderingTheirValues() {
        Random r = new Random(10);
        LayerShape s = new LayerShape("l", 40, 300);
        long[] scoreSums = new long[s.size()], logitSums = new long[s.size()];
        double[] scores = new double[s.size()], values = new double[s.size()];
        double f = 1 / (0x1p27 * 123.4);
        for (int i = 0; i < s.size(); i++) {
            scoreSums[i] = i % 5 == 0 ? 3L << 33 : (long) (r.nextDouble() * 0x1p50);    // ties in score
            logitSums[i] = i % 7 == 0 ? 0 : (long) (r.nextGaussian() * 0x1p38);
            scores[i] = scoreSums[i];                                              // exact below 2^53
            values[i] = logitSums[i] * f;
        }
        float[] out = new float[s.size()], rank = new float[s.size()], outKeys = new float[s.size()], rankKeys = new float[s.size()];
        RowOps.reorder(scores, values, s, out, rank);
        long[] sk = new long[s.size()], vk = new long[s.size()];
        for (int i = 0; i < s.size(); i++) {
            sk[i] = scoreSums[i] ^ Long.MIN_VALUE;
            vk[i] = logitSums[i] ^ Long.MIN_VALUE;
        }
        RowOps.reorder(sk, vk, true, values, s, outKeys, rankKeys);
        org.junit.jupiter.api.Assertions.assertArrayEquals(out, outKeys, 0f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(rank, rankKeys, 0f);
    }
}
