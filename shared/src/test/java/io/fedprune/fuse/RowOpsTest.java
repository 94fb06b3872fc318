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
}
