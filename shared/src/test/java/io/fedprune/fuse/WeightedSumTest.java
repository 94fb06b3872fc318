package io.fedprune.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import java.util.Random;
import org.junit.jupiter.api.Test;

class WeightedSumTest {

    @Test
    void theVectorFoldRunsInTheBuildAndGivesTheScalarBits() {
        assertNotSame(WeightedSum.SCALAR, WeightedSum.FOLD, "the build runs with jdk.incubator.vector");
        Random r = new Random(7);
        for (int n : new int[]{1, 3, 7, 8, 9, 31, 1000, 4099}) {
            double[] hiS = new double[n], loS = new double[n], hiV = new double[n], loV = new double[n];
            for (int d = 0; d < 5; d++) {
                float[] x = new float[n];
                for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
                double w = 0.1 + r.nextDouble() * 3;
                WeightedSum.SCALAR.add(hiS, loS, x, w);
                WeightedSum.FOLD.add(hiV, loV, x, w);
            }
            assertArrayEquals(hiS, hiV, 0.0, "hi, n = " + n);
            assertArrayEquals(loS, loV, 0.0, "lo, n = " + n);
        }
    }

    @Test
    void theSumDoesNotDependOnTheOrderOfTheAdditions() {
        // 1e16 + 1 - 1e16 loses the 1 in plain double arithmetic; the compensated sum keeps it, in any order
        float[] big = {1e16f}, one = {1f}, minusBig = {-1e16f};
        WeightedSum a = new WeightedSum(1), b = new WeightedSum(1);
        a.add(big, 1);
        a.add(one, 1);
        a.add(minusBig, 1);
        b.add(one, 1);
        b.add(minusBig, 1);
        b.add(big, 1);
        assertEquals(1.0, a.divided(1)[0], 0.0);
        assertEquals(1.0, b.divided(1)[0], 0.0);
        assertEquals(0.5, a.divided(2)[0], 0.0);
    }
}
