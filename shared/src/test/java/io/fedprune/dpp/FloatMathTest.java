package io.fedprune.dpp;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/** {@link FloatMath}: accuracy against {@link StrictMath}, special values, and the lane-wise twins' identical bits. */
class FloatMathTest {
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
            if (x > -87.3f && x < 88.7f) worst = Math.max(worst, ulps(FloatMath.exp(x), StrictMath.exp(x)));
        }
        assertTrue(worst <= 2, "max error " + worst + " ulp");
    }

    @Test
    void expSpecialValuesAndUnderflow() {
        assertEquals(1f, FloatMath.exp(0f));
        assertEquals(1f, FloatMath.exp(-0f));
        assertEquals(0f, FloatMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(0f, FloatMath.exp(-Float.MAX_VALUE));
        assertEquals(0f, FloatMath.exp(-104f));
        for (float x = -103.9f; x < -87f; x += 0.01f)                            // gradual underflow: subnormal results
            assertEquals(StrictMath.exp(x), FloatMath.exp(x), 2 * Float.MIN_VALUE + 2 * Math.ulp((float) StrictMath.exp(x)), "exp(" + x + ")");
        assertEquals((float) StrictMath.exp(88.72f), FloatMath.exp(88.72f), 2 * Math.ulp(3e38f));
        assertTrue(Float.isNaN(FloatMath.exp(Float.NaN)));
    }

    /** Relative error of {@link FloatMath#logCoarse} at x (exact where log x = 0). */
    static double logCoarseError(float x) {
        double exact = StrictMath.log(x), got = FloatMath.logCoarse(x);
        return exact == 0 ? Math.abs(got) : Math.abs(got - exact) / Math.abs(exact);
    }

    @Test
    void coarseLogIsWithinTwoMillionthsRelativeForPositiveNormals() {
        double worst = 0;
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 1_000_000; i++)                                       // every positive normal float
            worst = Math.max(worst, logCoarseError(Float.intBitsToFloat(r.nextInt(0x00800000, 0x7f800000))));
        for (float x = 0.5f; x <= 2f; x = Math.nextUp(x)) worst = Math.max(worst, logCoarseError(x));
        assertTrue(worst <= 2e-6, "max relative error " + worst);
        assertTrue(worst > 1e-7, "coarser than a 2-ulp log: the test measures the right function (" + worst + ")");
        assertEquals(0f, FloatMath.logCoarse(1f));
        assertEquals(-0x1.0p-24, FloatMath.logCoarse(1 - 0x1.0p-24f), 1e-14);    // relative accuracy next to 1
        assertEquals(StrictMath.log(Float.MIN_NORMAL), FloatMath.logCoarse(Float.MIN_NORMAL), 2e-6 * 88);
        assertEquals(StrictMath.log(Float.MAX_VALUE), FloatMath.logCoarse(Float.MAX_VALUE), 2e-6 * 89);
    }

    interface InPlace {
        void apply(float[] x, int from, int to);
    }

    /** The vectorised in-place loop on {@code xs} equals the scalar function element by element, bit for bit. */
    static void assertTwins(InPlace vector, UnaryOperator<Float> scalar, float[] xs, String what) {
        float[] out = xs.clone();
        vector.apply(out, 0, xs.length);
        for (int i = 0; i < xs.length; i++)
            assertEquals(Float.floatToIntBits(scalar.apply(xs[i])), Float.floatToIntBits(out[i]), what + "(" + xs[i] + ")");
    }

    @Test
    void vectorTwinsGiveTheSameBits() {
        RowKernels vec = RowKernels.select(true);
        assertTrue(vec.vectorized(), "tests run with --add-modules jdk.incubator.vector");
        SplittableRandom r = new SplittableRandom(3);
        float[] any = new float[1 << 16], positive = new float[1 << 16];
        for (int i = 0; i < any.length; i++) {
            any[i] = Float.intBitsToFloat(r.nextInt());                          // every float incl. inf, NaN, denormals
            positive[i] = Float.intBitsToFloat(r.nextInt(0x00800000, 0x7f800000));
        }
        float[] specials = {0f, -0f, 1f, -1f, Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, FloatMath.EXP_MIN,
                Math.nextDown(FloatMath.EXP_MIN), 88.72f, 89f, -87.5f, 88.75f, -40f};
        System.arraycopy(specials, 0, any, 0, specials.length);
        for (int rep = 0; rep < 20; rep++) {                                      // interpreted, C1 and C2 code
            assertTwins(VectorKernels::exp, FloatMath::exp, any, "exp");
            assertTwins((x, from, to) -> vec.expShifted(x, from, to - from, 1.7f, 0.3f, -40f, x),
                    x -> FloatMath.exp(Math.max(x * 1.7f - 0.3f, -40f)), any, "exp(max(1.7 x - 0.3, -40))");
            assertTwins(VectorKernels::negLogCoarse, x -> -FloatMath.logCoarse(x), positive, "-logCoarse");
        }
    }
}
