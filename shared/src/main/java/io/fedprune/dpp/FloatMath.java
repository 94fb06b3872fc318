package io.fedprune.dpp;

import java.util.Arrays;

/**
 * The float arithmetic of the DPP kernels with a fixed operation order, so that {@link ScalarKernels} and
 * {@code VectorKernels} give bit-identical results, independent of the JIT tier, the hardware's vector width and the
 * thread split. Java float {@code +, -, *, /}, {@code sqrt}, {@code min}/{@code max} and the integer and bit operations
 * are exactly specified (IEEE 754, round to nearest), and the vectorised kernels use the same operations lane-wise in
 * the same order. What is not exactly specified, and so not used on any value that reaches a result:
 * <ul>
 *   <li>{@code Math.exp}/{@code Math.log} and the Vector API's {@code VectorOperators.EXP}/{@code LOG}: the latter
 *       are a Java fallback ({@code Math}) in the interpreter and C1 but intrinsic stubs in C2-compiled code, and
 *       differ in the last bit for ~4% of arguments (measured on JDK 17, AVX2), so a JVM's first training differed
 *       from later ones. Here: {@link #exp} and {@link #logCoarse}, polynomials built from IEEE operations only, with a
 *       lane-wise twin in {@code VectorKernels}; scalar transcendental functions of reduced values use
 *       {@link StrictMath}.</li>
 *   <li>{@code reduceLanes(ADD)} on floats (unspecified order). Every float sum of a row is instead a sum over
 *       {@link #W} = 8 <em>virtual lanes</em>: element {@code i} of the row (row-relative index) is added to lane
 *       {@code i % 8} in increasing {@code i}, starting from +0, and the 8 lanes are then added by a fixed pairwise
 *       tree ({@link #sumLanes}). With 8-lane vectors that is one vector accumulator; a vector of L < 8 lanes adds
 *       into lanes {@code [i % 8, i % 8 + L)}. The order, hence the result, is the same on every machine.</li>
 *   <li>Fused multiply-add only where written: {@code Math.fma} and {@code FloatVector.fma} are exactly specified
 *       (one rounding), so the scalar and vector forms agree; no JIT contracts {@code a * b + c} on its own. The
 *       polynomials of {@link #exp} and {@link #logCoarse} use it (a fifth fewer operations: the continuous limit's
 *       kernel 18% faster, measured); every ARMv8 CPU and every x86 CPU since 2013 (Haswell, Piledriver) has it in
 *       hardware, elsewhere the JVM computes it in software, with the same bits but very slowly.</li>
 * </ul>
 */
final class FloatMath {
    private FloatMath() {
    }

    /** Number of virtual lanes of every float sum; staged rows are padded to a multiple of it. */
    static final int W = 8;

    /** {@code n} rounded up to a multiple of {@link #W}. */
    static int padded(int n) {
        return (n + W - 1) / W * W;
    }

    /**
     * Copies a row {@code src[off..off+n)} into {@code buf[0..n)}, fills {@code buf[n..padded(n))} with {@code pad}
     * and returns {@code padded(n)}.
     */
    static int stage(float[] src, int off, int n, float[] buf, float pad) {
        System.arraycopy(src, off, buf, 0, n);
        int np = padded(n);
        Arrays.fill(buf, n, np, pad);
        return np;
    }

    /**
     * The sum of lanes {@code acc[base..base+W)} by a fixed pairwise tree (lane j plus lane j + w, for w = 4, 2, 1),
     * leaving the lanes cleared (the accumulators are all zero between sums).
     */
    static float sumLanes(float[] acc, int base) {
        for (int w = W / 2; w >= 1; w /= 2)
            for (int j = base; j < base + w; j++) acc[j] = acc[j] + acc[j + w];
        float s = acc[base];
        Arrays.fill(acc, base, base + W, 0f);
        return s;
    }

    // ------------------------------------------------------------------ exp

    /**
     * Arguments are raised to at least EXP_MIN: {@code exp(-104)} rounds to 0 through the two scale factors, so no
     * special-case selection is needed.
     */
    static final float EXP_MIN = -104f;
    static final float LOG2E = 1.44269504088896341f;
    /** ln 2 = LN2_HI + LN2_LO, LN2_HI with 9 significant bits so that {@code n * LN2_HI} is exact. */
    static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: {@code (t + ROUND) - ROUND} rounds t to an integer, kept in the low bits of {@code t + ROUND}. */
    static final float ROUND = 0x1.8p23f;
    static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    /**
     * {@code (e^r - 1 - r) / r^2 ~ E0 + E1 r + E2 r^2 + E3 r^3} on {@code |r| <= ln2/2 + 0.002}: minimax for the
     * relative error of {@code e^r} (Lawson-weighted least squares, max 1.1e-7; with rounding exp is within 2 ulp).
     */
    static final float E0 = 0.49999213218688965f, E1 = 0.1666712462902069f, E2 = 0.0418926440179348f,
            E3 = 0.008312253281474113f;

    /**
     * {@code e^x} for {@code x <= 88.72}: within 2 ulp (normal results), with gradual underflow to 0 below about -87.3
     * (0 below about -103.9), NaN for NaN. Larger x give meaningless (but deterministic) values: there is no upper
     * clamp, as every argument in the kernels is {@code <= 0} (scores less a row maximum, minus a positive e).
     * Steps (mirrored lane-wise in {@code VectorKernels.exp}): {@code x = n ln2 + r} with n = round(x log2 e), {@code |r| <= ln2 / 2};
     * {@code e^r = 1 + r + r^2 P(r)}, P of degree 3 (short dependency chains); times
     * {@code 2^(n >> 1) * 2^(n - (n >> 1))} (two factors keep both normal for n in [-150, 128]).
     */
    static float exp(float x) {
        float xc = Math.max(x, EXP_MIN);
        float t = xc * LOG2E + ROUND;
        int n = Float.floatToRawIntBits(t) - ROUND_BITS;
        float nf = t - ROUND;
        float r = Math.fma(nf, -LN2_LO, Math.fma(nf, -LN2_HI, xc));
        float r2 = r * r;
        float p = Math.fma(Math.fma(r, E3, E2), r2, Math.fma(r, E1, E0));
        float y = Math.fma(p, r2, r) + 1f;
        int n1 = n >> 1, n2 = n - n1;
        return y * Float.intBitsToFloat((n1 + 127) << 23) * Float.intBitsToFloat((n2 + 127) << 23);
    }

    // ------------------------------------------------------------------ coarse log (Gumbel noise only)

    /**
     * Bits of a float just below sqrt(1/2): adding {@code 0x3f800000 - SQRT_HALF_BITS} to x's bits moves mantissas
     * {@code >= sqrt(1/2)} to the next exponent, so that {@code x = m 2^e} with {@code m in [sqrt(1/2), sqrt(2))}.
     */
    static final int SQRT_HALF_BITS = 0x3f3504f3, LOG_SHIFT = 0x3f800000 - SQRT_HALF_BITS;
    static final float LN2 = 0.693147180559945309f;
    /**
     * {@code (log(1 + f) - f + f^2/2) / f^3 ~ H0 + H1 f + H2 f^2 + H3 f^3 + H4 f^4} on {@code f in [sqrt(1/2) - 1,
     * sqrt(2) - 1]}: minimax for the relative error of {@code log(1 + f)} (Lawson-weighted least squares, max 1.6e-6).
     */
    static final float H0 = 0.33320868015289307f, H1 = -0.24943889677524567f, H2 = 0.20442065596580505f,
            H3 = -0.18406334519386292f, H4 = 0.11781211197376251f;

    /**
     * Natural log of a <b>positive normal</b> x to about 18 bits: {@code |logCoarse(x) - log(x)| <= 2e-6 |log(x)|}
     * (tested over every float in [0.5, 2] and a million random positive normals). For Gumbel noise only, where it is
     * ample: the noise's error is below 3e-6 for every one of its 2^23 uniforms (tested), against a standard
     * deviation of 1.28; other arguments give meaningless, but still deterministic, values. Steps (mirrored lane-wise in
     * {@code VectorKernels.negLogCoarse}): {@code x = m 2^e} with {@code m in [sqrt(1/2), sqrt(2))} from the bits
     * (no compare), {@code f = m - 1}; {@code log(1 + f) = f + f^2 (f P(f) - 1/2)}, P of degree 4; plus {@code e ln2}.
     */
    static float logCoarse(float x) {
        int ix = Float.floatToRawIntBits(x) + LOG_SHIFT;
        float fe = (ix >>> 23) - 127;
        float f = Float.intBitsToFloat((ix & 0x007fffff) + SQRT_HALF_BITS) - 1f;
        float z = f * f;
        float p = Math.fma(f, H1, H0) + z * Math.fma(f, H3, H2) + z * z * H4;
        return Math.fma(z, Math.fma(f, p, -0.5f), f) + fe * LN2;
    }
}
