package io.fedprune.dpp;

/**
 * Counter-based random numbers for Gumbel noise: draw {@code i} of stream {@code key} is a pure function of
 * {@code (key, i)}, so the scalar and the vectorised kernels, and any split of the rows over threads, produce the
 * same noise. A stream key is derived from an explicit seed and a draw counter ({@link #streamKey}).
 *
 * <p>Bits: the murmur3 32-bit finaliser of {@code (i + lo) * 0x9E3779B9 ^ hi}, {@code lo, hi} the halves of the
 * key (a bijection of i per key, then full avalanche);
 * uniform {@code u = (2 * (bits >>> 9) + 1) / 2^24}, exactly representable, in {@code (0, 1)};
 * Gumbel {@code g = -log(-log u)} in float with {@link FloatMath#logCoarse} (the vectorised kernels compute the same
 * bits): within 3e-6 of the exact {@code -log(-log u)} for every u (noise needs its distribution, not the last bits;
 * the coarse log costs about half of a 2-ulp one).
 */
public final class Gumbel {
    private Gumbel() {
    }

    /** SplitMix64 finaliser. */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * A seed derived from a parent seed and any number of parts, e.g. {@code deriveSeed(jobSeed, round, deviceIndex,
     * layerIndex)} (DESIGN.md §2: a round's seed derives from job seed, round and device). Order matters.
     */
    public static long deriveSeed(long seed, long... parts) {
        long z = mix64(seed + 0x2545F4914F6CDD1DL);
        for (long p : parts) z = mix64(z ^ mix64(p + 0x9E3779B97F4A7C15L));
        return z;
    }

    /** The key of draw number {@code draw} (e.g. the training step) of a generator seeded with {@code seed}. */
    public static long streamKey(long seed, long draw) {
        return mix64(mix64(seed) ^ mix64(draw * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L));
    }

    /** 32 random bits for element {@code i} of stream {@code key}. */
    public static int bits(long key, int i) {
        int x = ((i + (int) key) * 0x9E3779B9) ^ (int) (key >>> 32);
        x ^= x >>> 16;
        x *= 0x85EBCA6B;
        x ^= x >>> 13;
        x *= 0xC2B2AE35;
        x ^= x >>> 16;
        return x;
    }

    /** Uniform in (0, 1): {@code (2 * (bits >>> 9) + 1) * 2^-24}. */
    public static float uniform(long key, int i) {
        return ((((bits(key, i) >>> 9) << 1) | 1)) * 0x1.0p-24f;
    }

    /**
     * Standard Gumbel {@code -log(-log u)}, in float with a log polynomial of fixed operation order (within 3e-6 of the
     * exact value; the same bits on every JVM, JIT tier and in the vectorised kernels).
     */
    public static float gumbel(long key, int i) {
        return -FloatMath.logCoarse(-FloatMath.logCoarse(uniform(key, i)));
    }
}
