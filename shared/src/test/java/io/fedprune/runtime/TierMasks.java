package io.fedprune.runtime;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Tier masks for the fault tests' "masks identical to the clean run": every layer's weight mask by {@code tier/layer}. */
public final class TierMasks {
    private TierMasks() {
    }

    /** Puts the weight mask of every layer of {@code artifact} (a tier file) into {@code out} under {@code tier/layer}. */
    public static void add(Map<String, float[]> out, String tier, byte[] artifact) {
        TierFile.read(artifact).masks().forEach((layer, m) -> out.put(tier + "/" + layer, m.weightMask()));
    }

    /** The same tiers and layers with bit-identical masks; {@code context} goes into the failure message. */
    public static void assertIdentical(Map<String, float[]> expected, Map<String, float[]> actual, Object context) {
        assertEquals(expected.keySet(), actual.keySet(), String.valueOf(context));
        for (String k : expected.keySet()) assertArrayEquals(expected.get(k), actual.get(k), k + "; " + context);
    }
}
