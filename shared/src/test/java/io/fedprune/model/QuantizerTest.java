package io.fedprune.model;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuantizerTest {

    @Test
    void eightBitRoundTripErrorIsAtMostHalfAStep() {
        Random r = new Random(3);
        float[] x = new float[10_000];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 0.05);
        x[17] = 0f;
        x[42] = -0.4f;                              // the largest magnitude
        float[] q = x.clone();
        float s = Quantizer.quantizeInPlace(q, 8);
        assertEquals(0.4f / 127, s, 1e-9);
        for (int i = 0; i < x.length; i++) {
            assertTrue(Math.abs(q[i] - x[i]) <= s / 2 * (1 + 1e-5), i + ": " + x[i] + " -> " + q[i]);
            long level = Math.round(q[i] / s);
            assertEquals(level, q[i] / s, 1e-3, "on the grid");
            assertTrue(Math.abs(level) <= 127);
        }
        assertEquals(0f, q[17]);
        assertEquals(-0.4f, q[42], 1e-7);
        assertTrue(java.util.Arrays.stream(box(q)).distinct().count() <= 255, "at most 255 levels");
    }

    @Test
    void allZeroStaysZero() {
        float[] z = new float[5];
        assertEquals(0f, Quantizer.quantizeInPlace(z, 8));
        for (float v : z) assertEquals(0f, v);
    }

    private static Float[] box(float[] a) {
        Float[] b = new Float[a.length];
        for (int i = 0; i < a.length; i++) b[i] = a[i];
        return b;
    }
}
