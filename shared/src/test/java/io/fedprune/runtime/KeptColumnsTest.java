package io.fedprune.runtime;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeptColumnsTest {

    // W = [[1, 2, 3, 4], [5, 6, 7, 8]], mask keeps columns {1, 3} of row 0 and {0, 1} of row 1
    private static final float[] W = {1, 2, 3, 4, 5, 6, 7, 8};
    private static final float[] M = {0, 1, 0, 1, 1, 1, 0, 0};

    @Test
    void oneSampleAddsTheKeptWeightsOfItsColumns() {
        KeptColumns k = KeptColumns.fromMasked(2, 4, W, M, false);
        float[] y = {10, 20};
        k.multiplyAdd(new float[]{1, 1, 2, 3}, 0, 1, y, 0);
        // row 0: 10 + 2*1 + 4*3 = 24; row 1: 20 + 5*1 + 6*1 = 31
        assertArrayEquals(new float[]{24, 31}, y);
        assertEquals(4, k.storedValues());
        assertEquals(4 * 2 + 4 * 2 + 4 * 4 + 2 * 4, k.bytes());   // 16-bit rows and column counts, float values, row sums
        assertTrue(k.narrowIndices());
        assertEquals(1, k.kept(0));
        assertEquals(2, k.kept(1));
        assertEquals(0, k.kept(2));
        assertArrayEquals(new float[]{0, 2, 0, 4, 5, 6, 0, 0}, k.toDense());
    }

    @Test
    void manySamplesMultiplyTheRowsOfX() {
        KeptColumns k = KeptColumns.fromMasked(2, 4, W, M, false);
        // X [4, 2]: sample 0 = (1, 1, 2, 3), sample 1 = (0, 2, 0, 1)
        float[] x = {1, 0, 1, 2, 2, 0, 3, 1};
        float[] y = new float[4];
        k.multiplyAdd(x, 0, 2, y, 0);
        // row 0: 2*1 + 4*3 = 14, 2*2 + 4*1 = 8; row 1: 5 + 6 = 11, 6*2 = 12
        assertArrayEquals(new float[]{14, 8, 11, 12}, y);
    }

    @Test
    void theBaseIsTheFirstInputWhenMoreInputsEqualItThanZero() {
        float bg = -0.4242f;
        assertEquals(bg, KeptColumns.base(new float[]{bg, bg, 0, 1}, 0, 4));
        assertEquals(0, KeptColumns.base(new float[]{bg, 0, 0, 1}, 0, 4));        // more zeros
        assertEquals(0, KeptColumns.base(new float[]{0.5f, 0, 1, 2}, 0, 4));      // a ReLU output
        assertEquals(bg, KeptColumns.base(new float[]{9, bg, bg, 0}, 1, 3));      // from the offset on
        assertEquals(0, KeptColumns.base(new float[]{Float.NaN, Float.NaN, Float.NaN}, 0, 3));
        assertEquals(0, KeptColumns.base(new float[]{Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}, 0, 2));
    }

    @Test
    void aNonZeroBaseAddsItTimesTheRowSums() {
        // x = (-1, -1, 2, -1): base -1; row 0 keeps columns {1, 3}: 2*-1 + 4*-1 = -6; row 1 keeps {0, 1, 2}: 5*-1 + 6*-1 + 7*2 = 3
        float[] m = {0, 1, 0, 1, 1, 1, 1, 0};
        float[] x = {-1, -1, 2, -1};
        assertEquals(-1, KeptColumns.base(x, 0, 4));
        float[] y = {10, 20};
        KeptColumns.fromMasked(2, 4, W, m, false).multiplyAdd(x, 0, 1, y, 0);
        assertArrayEquals(new float[]{4, 23}, y);
        // int8, row 0 at scale 4/127: 2 -> level 64 = 2.0157; row 1 at 7/127: 5 -> 91 = 5.0157, 6 -> 109 = 6.0079, 7 -> 127
        float[] q = {10, 20};
        KeptColumns.fromMasked(2, 4, W, m, true).multiplyAdd(x, 0, 1, q, 0);
        assertArrayEquals(new float[]{10 - 64 * 4 / 127f - 4, 20 - (91 + 109) * 7 / 127f + 14}, q, 1e-5f);
    }

    @Test
    void nonFiniteInputsReachTheRowsThatKeepThem() {
        float[] y = new float[2];
        KeptColumns.fromMasked(2, 4, W, M, false).multiplyAdd(new float[]{0, Float.NaN, 0, 0}, 0, 1, y, 0);   // column 1: both rows
        assertTrue(Float.isNaN(y[0]) && Float.isNaN(y[1]));
        float[] z = new float[2];
        KeptColumns.fromMasked(2, 4, W, M, false).multiplyAdd(new float[]{Float.POSITIVE_INFINITY, 0, 0, 0}, 0, 1, z, 0);   // row 1 only
        assertArrayEquals(new float[]{0, Float.POSITIVE_INFINITY}, z);
    }

    @Test
    void int8LevelsEqualTheRowFormsLevels() {
        Random r = new Random(3);
        int rows = 7, cols = 9;
        float[] w = new float[rows * cols], m = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
            m[i] = r.nextDouble() < 0.4 ? 1 : 0;
        }
        assertArrayEquals(KeptRuns.fromMasked(rows, cols, 1, w, m, true).toDense(), KeptColumns.fromMasked(rows, cols, w, m, true).toDense());
        assertEquals(KeptRuns.fromMasked(rows, cols, 1, w, m, true).storedValues(), KeptColumns.fromMasked(rows, cols, w, m, true).storedValues());
    }

    @Test
    void tallMatricesUse32BitIndices() {
        int rows = 70_000;
        float[] w = new float[rows * 2], m = new float[rows * 2];
        w[2 * 69_999 + 1] = 3;   // row 69999 keeps column 1
        m[2 * 69_999 + 1] = 1;
        w[2 * 5] = 2;            // row 5 keeps column 0
        m[2 * 5] = 1;
        KeptColumns k = KeptColumns.fromMasked(rows, 2, w, m, false);
        assertFalse(k.narrowIndices());
        float[] y = new float[rows];
        k.multiplyAdd(new float[]{7, 2}, 0, 1, y, 0);
        assertEquals(14, y[5]);
        assertEquals(6, y[69_999]);
        float sum = 0;
        for (float v : y) sum += v;
        assertEquals(20, sum);
        assertArrayEquals(w, k.toDense());
    }

    /**
     * Samples with most inputs at a base value (an image's background after normalisation, ReLU's zeros, a constant),
     * or none, one at a time and several at once: the product, float32 and int8, equals a double-precision product of
     * the dense matrix it stands for.
     */
    @Test
    void agreesWithTheDenseProductInDoublePrecision() {
        Random r = new Random(11);
        float[] bases = {-0.4242f, 0, 1.5f, Float.NaN};   // NaN: no input at a common value
        for (int trial = 0; trial < 40; trial++) {
            int rows = 1 + r.nextInt(40), cols = 1 + r.nextInt(120), p = trial % 2 == 0 ? 1 : 1 + r.nextInt(5);
            float[] w = new float[rows * cols], m = new float[rows * cols];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) r.nextGaussian();
                m[i] = r.nextDouble() < 0.15 ? 1 : 0;
            }
            float base = bases[trial % bases.length];
            float[] x = new float[3 + cols * p];   // X [cols, p] at offset 3
            for (int i = 3; i < x.length; i++) x[i] = !Float.isNaN(base) && r.nextDouble() < 0.7 ? base : (float) r.nextGaussian();
            if (!Float.isNaN(base)) x[3] = base;
            for (boolean int8 : new boolean[]{false, true}) {
                KeptColumns k = KeptColumns.fromMasked(rows, cols, w, m, int8);
                float[] dense = k.toDense();
                float[] y = new float[2 + rows * p], expected = new float[2 + rows * p];
                for (int o = 0; o < rows; o++)
                    for (int q = 0; q < p; q++) {
                        y[2 + o * p + q] = o;
                        double s = o;
                        for (int i = 0; i < cols; i++) s += (double) dense[o * cols + i] * x[3 + i * p + q];
                        expected[2 + o * p + q] = (float) s;
                    }
                k.multiplyAdd(x, 3, p, y, 2);
                assertArrayEquals(expected, y, 1e-4f, "trial " + trial + (int8 ? " int8" : " float32"));
                float[] rowMax = new float[rows];   // int8 levels are within half a step (row max / 127) of the weight
                for (int i = 0; i < w.length; i++) if (m[i] != 0) rowMax[i / cols] = Math.max(rowMax[i / cols], Math.abs(w[i]));
                for (int i = 0; i < w.length; i++)
                    assertEquals(m[i] != 0 ? w[i] : 0, dense[i], int8 ? rowMax[i / cols] / 254 + 1e-6 : 0, "trial " + trial + " weight " + i);
            }
        }
    }
}
