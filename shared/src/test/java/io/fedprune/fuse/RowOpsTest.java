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
        for (int n : new int[]{1, 2, 7, 100, 784}) {
            LayerShape s = new LayerShape("l", 3, n);
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

    @Test
    void reorderGivesEachCandidateTheValueOfItsScoreRankByTheDefinition() {
        Random r = new Random(6);
        for (int n : new int[]{1, 2, 7, 100, 784}) {
            LayerShape s = new LayerShape("l", 3, n);
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
}
