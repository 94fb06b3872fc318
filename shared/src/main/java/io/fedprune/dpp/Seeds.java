package io.fedprune.dpp;

import java.util.Random;

/**
 * Every derived seed of the system, in one place (DESIGN.md §2: a round's seed derives from the job seed and the round,
 * a device's from the round seed and the device id). The coordinator, the device agent and the local experiments all
 * call these, so the same job seed gives the same selections, samples and masks everywhere.
 */
public final class Seeds {
    private Seeds() {
    }

    /** The seed of round {@code round} (1-based) of a job: selection, the round start's seed, samples. */
    public static long round(long jobSeed, int round) {
        return new Random(jobSeed * 1_000_003L + round).nextLong();
    }

    /** A device's training seed in a round: a mix (FNV-1a over the id, then a murmur finaliser) of the round seed and the id. */
    public static long device(long roundSeed, String deviceId) {
        long h = roundSeed ^ 0x9E3779B97F4A7C15L;
        for (char c : deviceId.toCharArray()) h = (h ^ c) * 0x100000001B3L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        return h ^ (h >>> 33);
    }

    /** The seed of a round's similarity sample (which devices' masks feed the mask-similarity metrics). */
    public static long similaritySample(long roundSeed) {
        return roundSeed ^ 0x5DEECE66DL;
    }

    /** The seed of the {@code draw}-th random baseline mask of a layer in a local experiment with seed {@code seed}. */
    public static long randomMask(long seed, int draw, String layer) {
        return seed * 1000 + 100 + draw + layer.hashCode();
    }
}
