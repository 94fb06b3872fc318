package io.fedprune.dpp;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/** {@link FloatMath}: accuracy against {@link StrictMath}, special values, and the lane-wise twins' identical bits. */
class FloatMathTest {
    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED.length() > 16 ? FloatVector.SPECIES_512
            : FloatVector.SPECIES_PREFERRED;

    static long ulps(float a, double exact) {
        float e = (float) exact;
        return Math.abs((long) Float.floatToIntBits(a) - Float.floatToIntBits(e));
    }

    @Test
    void expIsWithinTwoUlpOverTheNormalRange() {
        long worst = 0;
        for (float x = -87.3f; x < 88.7f; x += 0.001f) worst = Math.max(worst, ulps(FloatMath.exp(x), StrictMath.exp(x)));
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 1_000_000; i++) {
            float x = (float) (r.nextDouble(-1, 1) * Math.pow(2, r.nextInt(-30, 7)));   // also tiny |x|
            if (x > FloatMath.EXP_LO && x < FloatMath.EXP_HI) worst = Math.max(worst, ulps(FloatMath.exp(x), StrictMath.exp(x)));
        }
        assertTrue(worst <= 2, "max error " + worst + " ulp");
    }

    @Test
    void expSpecialValues() {
        assertEquals(1f, FloatMath.exp(0f));
        assertEquals(1f, FloatMath.exp(-0f));
        assertEquals(0f, FloatMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(0f, FloatMath.exp(-Float.MAX_VALUE));
        assertEquals(0f, FloatMath.exp(-88f));                                  // flushed below 2^-126
        assertTrue(FloatMath.exp(FloatMath.EXP_LO) >= Float.MIN_NORMAL * 0.99f);
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(Float.POSITIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(89f));
        assertTrue(Float.isFinite(FloatMath.exp(FloatMath.EXP_HI)));
        assertTrue(Float.isNaN(FloatMath.exp(Float.NaN)));
    }

    @Test
    void logIsWithinTwoUlpForPositiveNormals() {
        long worst = 0;
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 1_000_000; i++) {
            float x = Float.intBitsToFloat(r.nextInt(0x00800000, 0x7f800000));     // every positive normal float
            worst = Math.max(worst, ulps(FloatMath.log(x), StrictMath.log(x)));
        }
        for (float x = 0.5f; x < 2f; x = Math.nextUp(x)) worst = Math.max(worst, ulps(FloatMath.log(x), StrictMath.log(x)));
        assertTrue(worst <= 2, "max error " + worst + " ulp");
        assertEquals(0f, FloatMath.log(1f));
        assertEquals(-0x1.0p-24, FloatMath.log(1 - 0x1.0p-24f), 1e-14);         // relative accuracy next to 1
    }

    /** The lane-wise function on {@code xs} equals the scalar one lane by lane, bit for bit. */
    static void assertTwins(UnaryOperator<FloatVector> vector, UnaryOperator<Float> scalar, float[] xs, String what) {
        float[] out = new float[xs.length];
        for (int i = 0; i + FS.length() <= xs.length; i += FS.length()) vector.apply(FloatVector.fromArray(FS, xs, i)).intoArray(out, i);
        for (int i = 0; i < xs.length; i++)
            assertEquals(Float.floatToIntBits(scalar.apply(xs[i])), Float.floatToIntBits(out[i]), what + "(" + xs[i] + ")");
    }

    @Test
    void vectorTwinsGiveTheSameBits() {
        SplittableRandom r = new SplittableRandom(3);
        float[] any = new float[1 << 16], positive = new float[1 << 16];
        for (int i = 0; i < any.length; i++) {
            any[i] = Float.intBitsToFloat(r.nextInt());                          // every float incl. inf, NaN, denormals
            positive[i] = Float.intBitsToFloat(r.nextInt(0x00800000, 0x7f800000));
        }
        float[] specials = {0f, -0f, 1f, -1f, Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, FloatMath.EXP_LO, FloatMath.EXP_HI,
                Math.nextDown(FloatMath.EXP_LO), Math.nextUp(FloatMath.EXP_HI), -40f};
        System.arraycopy(specials, 0, any, 0, specials.length);
        for (int rep = 0; rep < 20; rep++) {                                      // interpreted, C1 and C2 code
            assertTwins(VectorKernels::exp, FloatMath::exp, any, "exp");
            assertTwins(VectorKernels::log, FloatMath::log, positive, "log");
        }
    }
}
