package io.fedprune.model;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

/**
 * The ReLU, LeakyReLU and clip-gradient loops of {@link ElementWise}, vector ({@link ElementWise#LOOPS}) and scalar, bit for bit
 * against the rules written out here, on every length 0..41 and a long array full of -0, NaN, infinities and
 * subnormals; and the rules' special cases by hand.
 */
class ElementWiseTest {
    static final float ALPHA = 0.01f, LO = -1f, HI = 6f;
    static final float[] SPECIAL = {0f, -0f, Float.NaN, Float.intBitsToFloat(0xffc00001), Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-40f, -1e-40f, Float.MIN_NORMAL,
            -Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f, 6f, Math.nextUp(6f), Math.nextDown(-1f)};
    static final ElementWise SCALAR = new ElementWise();

    /** The reference of each loop: out = f(input, d) element by element, as the activation kernel had them. */
    enum Rule {
        RELU {
            float ref(float x, float d) {
                return x > 0 ? x : 0f;
            }

            void run(ElementWise e, float[] x, float[] d, float[] out, int n) {
                e.relu(x, out, n);
            }
        },
        RELU_BACKWARD {
            float ref(float y, float d) {
                return d * (y > 0 ? 1f : 0f);
            }

            void run(ElementWise e, float[] y, float[] d, float[] out, int n) {
                e.reluBackward(y, d, out, n);
            }
        },
        LEAKY_RELU {
            float ref(float x, float d) {
                return x >= 0 ? x : ALPHA * x;
            }

            void run(ElementWise e, float[] x, float[] d, float[] out, int n) {
                e.leakyRelu(x, ALPHA, out, n);
            }
        },
        LEAKY_RELU_BACKWARD {
            float ref(float x, float d) {
                return d * (x >= 0 ? 1f : ALPHA);
            }

            void run(ElementWise e, float[] x, float[] d, float[] out, int n) {
                e.leakyReluBackward(x, ALPHA, d, out, n);
            }
        },
        CLIP_BACKWARD {
            float ref(float x, float d) {
                return x >= LO && x <= HI ? d : 0f;
            }

            void run(ElementWise e, float[] x, float[] d, float[] out, int n) {
                e.clipBackward(x, LO, HI, d, out, n);
            }
        };

        abstract float ref(float x, float d);

        abstract void run(ElementWise e, float[] x, float[] d, float[] out, int n);
    }

    /** Values from SPECIAL one time in three, else Gaussian (both signs, a few huge or tiny by scale). */
    static float[] values(int n, Random r) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++)
            v[i] = r.nextInt(3) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : (float) (r.nextGaussian() * Math.pow(10, r.nextInt(81) - 40));
        return v;
    }

    /** Runs the rule on n elements of arrays 3 longer (the rest must stay as they were) and compares the bits. */
    static void check(Rule rule, ElementWise e, float[] x, float[] d, int n, String what) {
        float[] out = new float[n + 3];
        java.util.Arrays.fill(out, 42f);
        rule.run(e, x, d, out, n);
        for (int i = 0; i < n; i++) {
            int at = i;
            assertEquals(Float.floatToRawIntBits(rule.ref(x[i], d[i])), Float.floatToRawIntBits(out[i]),
                    () -> what + " " + rule + " n " + n + " at " + at + ": x " + x[at] + ", d " + d[at]);
        }
        for (int i = n; i < n + 3; i++) assertEquals(42f, out[i], what + " " + rule + " wrote past n");
    }

    @Test
    void vectorAndScalarLoopsGiveTheRulesBitsOnEveryLength() {
        assertNotSame(ElementWise.class, ElementWise.LOOPS.getClass(), "tests run with --add-modules jdk.incubator.vector");
        Random r = new Random(7);
        for (Rule rule : Rule.values())
            for (int n = 0; n <= 41; n++) {
                float[] x = values(n + 3, r), d = values(n + 3, r);
                check(rule, ElementWise.LOOPS, x, d, n, "vector");
                check(rule, SCALAR, x, d, n, "scalar");
            }
    }

    @Test
    void vectorLoopsGiveTheRulesBitsOnALongArrayOnceCompiled() {
        Random r = new Random(11);
        int n = 10_007;
        float[] x = values(n + 3, r), d = values(n + 3, r);
        for (int rep = 0; rep < 300; rep++)                  // long enough for the JIT to compile the loops
            for (Rule rule : Rule.values()) check(rule, ElementWise.LOOPS, x, d, n, "vector, rep " + rep);
    }

    @Test
    void specialCasesByHand() {
        float nan = Float.NaN, inf = Float.POSITIVE_INFINITY;
        float[] x = {-0f, nan, -inf, inf, -Float.MIN_VALUE, Float.MIN_VALUE, 2f, -2f, 0f};
        float[] y = new float[9];
        ElementWise.LOOPS.relu(x, y, 9);
        assertBits(new float[]{0f, 0f, 0f, inf, 0f, Float.MIN_VALUE, 2f, 0f, 0f}, y, "relu");
        float[] g = {-3f, 3f, inf, -inf, nan, 5f, -5f, nan, 1f}, dx = new float[9];
        ElementWise.LOOPS.reluBackward(y, g, dx, 9);     // y = 0 but for inf, MIN_VALUE and 2
        assertBits(new float[]{-0f, 0f, nan, -inf, nan, 5f, -5f, nan, 0f}, dx, "relu backward");
        ElementWise.LOOPS.leakyRelu(x, 0.5f, y, 9);
        assertBits(new float[]{-0f, nan, -inf, inf, -0f, Float.MIN_VALUE, 2f, -1f, 0f}, y, "leaky relu");
        ElementWise.LOOPS.leakyReluBackward(x, 0.5f, g, dx, 9);
        assertBits(new float[]{-3f, 1.5f, inf, -inf, nan, 5f, -5f, nan, 1f}, dx, "leaky relu backward");
        ElementWise.LOOPS.clipBackward(x, -0f, 2f, g, dx, 9);          // [-0, 2]: 0 and -0 inside, NaN outside
        assertBits(new float[]{-3f, 0f, 0f, 0f, 0f, 5f, -5f, 0f, 1f}, dx, "clip backward");
    }

    static void assertBits(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++)
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]), what + " at " + i);
    }
}
