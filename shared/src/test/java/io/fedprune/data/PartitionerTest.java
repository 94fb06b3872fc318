package io.fedprune.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class PartitionerTest {
    /** 10 classes, 100 samples each, in blocks. */
    static int[] labels() {
        int[] y = new int[1000];
        for (int i = 0; i < y.length; i++) y[i] = i / 100;
        return y;
    }

    static void assertExactCover(int[][] parts, int n) {
        int[] seen = new int[n];
        for (int[] p : parts) for (int i : p) seen[i]++;
        for (int i = 0; i < n; i++) assertEquals(1, seen[i], "index " + i + " assigned " + seen[i] + " times");
    }

    @Test
    void iidIsAnEqualDisjointCover() {
        int[][] p = Partitioner.iid(labels(), 7, 42);
        assertExactCover(p, 1000);
        for (int[] d : p) assertTrue(d.length == 142 || d.length == 143, "size " + d.length); // 1000/7 = 142.9
        assertArrayEquals(p[3], Partitioner.iid(labels(), 7, 42)[3]);
        assertFalse(Arrays.equals(p[3], Partitioner.iid(labels(), 7, 43)[3]));
    }

    @Test
    void dirichletIsADisjointCoverAndSkewsLabels() {
        int[][] skewed = Partitioner.dirichlet(labels(), 10, 0.1, 7);
        int[][] flat = Partitioner.dirichlet(labels(), 10, 1000, 7);
        assertExactCover(skewed, 1000);
        assertExactCover(flat, 1000);
        assertArrayEquals(skewed[2], Partitioner.dirichlet(labels(), 10, 0.1, 7)[2]);
        // alpha=1000 gives every device about 10 of every class; alpha=0.1 concentrates classes on few devices
        assertTrue(meanClassesPerDevice(flat) > 9.5, "flat " + meanClassesPerDevice(flat));
        assertTrue(meanClassesPerDevice(skewed) < 5, "skewed " + meanClassesPerDevice(skewed));
    }

    @Test
    void aTestSplitCutLikeTheTrainingSplitHasTheSameLabelMixPerDevice() {
        int[] train = classes(600), test = classes(100);   // 10 classes: 6000 and 1000 labels
        int[][] tr = Partitioner.dirichlet(train, 10, 0.5, 3);
        int[][] te = Partitioner.dirichletLike(train, test, 10, 0.5, 3);
        assertExactCover(te, test.length);
        for (int d = 0; d < 10; d++) {
            for (int c = 0; c < 10; c++) {
                // device d's share of class c, in each split: equal up to one index of rounding on either side
                double a = count(tr[d], train, c) / 600.0, b = count(te[d], test, c) / 100.0;
                assertEquals(a, b, 1.0 / 600 + 1.0 / 100 + 1e-12, "device " + d + " class " + c);
            }
        }
        // cut like itself, a split gets exactly the same count of every class on every device
        int[][] again = Partitioner.dirichletLike(train, train, 10, 0.5, 3);
        for (int d = 0; d < 10; d++)
            for (int c = 0; c < 10; c++) assertEquals(count(tr[d], train, c), count(again[d], train, c));
    }

    private static int[] classes(int perClass) {
        int[] y = new int[10 * perClass];
        for (int i = 0; i < y.length; i++) y[i] = i % 10;
        return y;
    }

    private static long count(int[] idx, int[] labels, int c) {
        return Arrays.stream(idx).filter(i -> labels[i] == c).count();
    }

    static double meanClassesPerDevice(int[][] parts) {
        int[] y = labels();
        return Arrays.stream(parts).mapToLong(p -> Arrays.stream(p).map(i -> y[i]).distinct().count()).average().orElse(0);
    }

    @Test
    void gammaHasTheRightMean() {
        // E[Gamma(a, 1)] = a, Var = a: the sample mean of 20000 draws is within 5 standard errors
        SplittableRandom r = new SplittableRandom(1);
        for (double a : new double[]{0.3, 1.0, 4.0}) {
            double s = 0;
            int m = 20000;
            for (int i = 0; i < m; i++) s += Partitioner.gamma(a, r);
            assertEquals(a, s / m, 5 * Math.sqrt(a / m), "shape " + a);
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> Partitioner.iid(labels(), 0, 1));
        assertThrows(IllegalArgumentException.class, () -> Partitioner.dirichlet(labels(), 3, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> Partitioner.iid(new int[2], 3, 1));
    }
}
