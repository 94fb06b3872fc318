package io.fedprune.wire;

/**
 * IEEE 754 binary16 conversions (Java 17 has none): float to half with round-to-nearest-even, and back (exact).
 * The same algorithm as {@code Float.floatToFloat16} / {@code Float.float16ToFloat} of later JDKs.
 */
final class Float16 {
    /** Largest finite half, 65504. */
    static final float MAX = 65504f;

    private Float16() {
    }

    /** The half nearest to {@code f} (ties to even); values beyond the half range become infinity, NaN stays NaN. */
    static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        short sign = (short) ((bits & 0x8000_0000) >>> 16);
        if (Float.isNaN(f)) return (short) (sign | 0x7e00);
        float abs = Math.abs(f);
        if (abs >= 65520f) return (short) (sign | 0x7c00);       // MAX + half an ulp and above: infinity
        if (abs <= 0x1.0p-25f) return sign;                       // half of the smallest subnormal and below: zero
        int exp = Math.getExponent(f);
        int extraShift = 0;
        int hidden = 0;
        if (exp < -14) {                                          // a half subnormal: shift the hidden bit in
            extraShift = -14 - exp;
            exp = -15;
            hidden = 0x0080_0000;
        }
        int signif = (bits & 0x007f_ffff) | hidden;
        int shift = 13 + extraShift;
        int half = signif >> shift;
        int lsb = signif & (1 << shift);
        int round = signif & (1 << (shift - 1));
        int sticky = signif & ((1 << (shift - 1)) - 1);
        if (round != 0 && (lsb | sticky) != 0) half++;            // a carry into the exponent is correct as is
        return (short) (sign | (((exp + 15) << 10) + half));
    }

    /** The exact float value of a half. */
    static float toFloat(short h) {
        int sign = h & 0x8000;
        int exp = (h & 0x7c00) >> 10;
        int signif = h & 0x03ff;
        if (exp == 0) return (sign != 0 ? -1f : 1f) * 0x1.0p-24f * signif;
        if (exp == 31) return Float.intBitsToFloat((sign << 16) | 0x7f80_0000 | (signif << 13));
        return Float.intBitsToFloat((sign << 16) | ((exp - 15 + 127) << 23) | (signif << 13));
    }
}
