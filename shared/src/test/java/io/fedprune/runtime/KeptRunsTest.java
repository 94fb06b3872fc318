package io.fedprune.runtime;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeptRunsTest {

    // W = [[1, 2, 3, 4], [5, 6, 7, 8]], mask keeps columns {1, 3} of row 0 and {0, 1} of row 1
    private static final float[] W = {1, 2, 3, 4, 5, 6, 7, 8};
    private static final float[] M = {0, 1, 0, 1, 1, 1, 0, 0};

    @Test
    void oneSampleIsTheDotOfTheKeptWeights() {
        KeptRuns k = KeptRuns.fromMasked(2, 4, 1, W, M, false);
        float[] y = {10, 20};
        k.multiplyAdd(new float[]{1, 1, 2, 3}, 0, 1, y, 0);
        // row 0: 10 + 2*1 + 4*3 = 24; row 1: 20 + 5*1 + 6*1 = 31
        assertArrayEquals(new float[]{24, 31}, y);
        assertEquals(4, k.storedValues());
        assertEquals(4 * 2 + 4 * 4 + 3 * 4, k.bytes());   // 16-bit indices, float values, row starts
        assertTrue(k.narrowIndices());
    }

    @Test
    void manySamplesMultiplyTheColumnsOfX() {
        KeptRuns k = KeptRuns.fromMasked(2, 4, 1, W, M, false);
        // X [4, 2]: sample 0 = (1, 1, 2, 3), sample 1 = (0, 2, 0, 1)
        float[] x = {1, 0, 1, 2, 2, 0, 3, 1};
        float[] y = new float[4];
        k.multiplyAdd(x, 0, 2, y, 0);
        // row 0: 2*1 + 4*3 = 14, 2*2 + 4*1 = 8; row 1: 5 + 6 = 11, 6*2 = 12
        assertArrayEquals(new float[]{14, 8, 11, 12}, y);
    }

    @Test
    void runsCoverWholeKernels() {
        // run 2: row 0 keeps columns 2..3, row 1 keeps 0..1
        float[] mask = {0, 0, 1, 1, 1, 1, 0, 0};
        KeptRuns k = KeptRuns.fromMasked(2, 4, 2, W, mask, false);
        float[] y = new float[2];
        k.multiplyAdd(new float[]{1, 1, 2, 3}, 0, 1, y, 0);
        assertArrayEquals(new float[]{3 * 2 + 4 * 3, 5 + 6}, y);
        assertEquals(2, k.run());
        assertThrows(IllegalArgumentException.class, () -> KeptRuns.fromMasked(2, 4, 2, W, M, false));   // partly kept run
    }

    @Test
    void int8ValuesCarryAPerRowScale() {
        // row 0 keeps 1.27 and -0.5: scale 0.01, levels 127 and -50, exact; row 1 keeps 2.54: scale 0.02
        float[] w = {1.27f, -0.5f, 0, 0, 2.54f, 0};
        float[] m = {1, 1, 0, 0, 1, 0};
        KeptRuns k = KeptRuns.fromMasked(2, 3, 1, w, m, true);
        assertTrue(k.int8());
        float[] y = new float[2];
        k.multiplyAdd(new float[]{1, 2, 3}, 0, 1, y, 0);
        assertEquals(1.27f - 1.0f, y[0], 1e-6);
        assertEquals(2.54f * 2, y[1], 1e-6);
        assertEquals(3 * 2 + 3 + 2 * 4 + 3 * 4, k.bytes());   // indices, int8 values, scales, row starts
        assertArrayEquals(new float[]{1.27f, -0.5f, 0, 0, 2.54f, 0}, k.toDense(), 1e-6f);
    }

    @Test
    void agreesWithTheMaskedDenseProductOnRandomMatrices() {
        Random r = new Random(7);
        for (int trial = 0; trial < 20; trial++) {
            int rows = 1 + r.nextInt(12), run = 1 + r.nextInt(3), cols = run * (1 + r.nextInt(20)), p = 1 + r.nextInt(6);
            float[] w = new float[rows * cols], m = new float[rows * cols];
            for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
            for (int o = 0; o < rows; o++)
                for (int c = 0; c < cols; c += run) {
                    boolean on = r.nextDouble() < 0.3;
                    for (int t = 0; t < run; t++) m[o * cols + c + t] = on ? 1 : 0;
                }
            float[] masked = w.clone();
            for (int i = 0; i < w.length; i++) masked[i] = m[i] != 0 ? w[i] : 0;
            float[] x = new float[cols * p];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            float[] expected = new float[rows * p];
            for (int o = 0; o < rows; o++)
                for (int q = 0; q < p; q++) {
                    double s = 0;
                    for (int i = 0; i < cols; i++) s += (double) masked[o * cols + i] * x[i * p + q];
                    expected[o * p + q] = (float) s;
                }
            float[] compact = new float[rows * p], dense = new float[rows * p];
            KeptRuns k = KeptRuns.fromMasked(rows, cols, run, w, m, false);
            k.multiplyAdd(x, 0, p, compact, 0);
            DenseWeights.of(rows, cols, masked).multiplyAdd(x, 0, p, dense, 0);
            assertArrayEquals(expected, compact, 1e-4f, "trial " + trial);
            assertArrayEquals(expected, dense, 1e-4f, "trial " + trial);
            assertArrayEquals(masked, k.toDense());
        }
    }

    @Test
    void wideMatricesUse32BitIndices() {
        int cols = 70_000;
        float[] w = new float[2 * cols], m = new float[2 * cols];
        w[69_999] = 3;
        m[69_999] = 1;
        w[cols + 5] = 2;
        m[cols + 5] = 1;
        KeptRuns k = KeptRuns.fromMasked(2, cols, 1, w, m, false);
        assertFalse(k.narrowIndices());
        float[] x = new float[cols];
        x[69_999] = 2;
        x[5] = 7;
        float[] y = new float[2];
        k.multiplyAdd(x, 0, 1, y, 0);
        assertArrayEquals(new float[]{6, 14}, y);
    }
}
