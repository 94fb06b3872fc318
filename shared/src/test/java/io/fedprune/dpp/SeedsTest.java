package io.fedprune.dpp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The derived seeds, pinned: the expected values come from an independent Python implementation of
 * {@code java.util.Random} (48-bit LCG, multiplier 0x5DEECE66D) and of the FNV-1a/murmur mix, so a change of any
 * derivation (which would change every seeded run) fails here.
 */
class SeedsTest {

    @Test
    void roundSeedIsTheFirstLongOfARandomSeededWithJobSeedTimes1000003PlusRound() {
        assertEquals(7941208982178239878L, Seeds.round(42, 1));
        assertEquals(8303102965545853871L, Seeds.round(42, 2));
        assertEquals(6900728719116617557L, Seeds.round(1, 1));
    }

    @Test
    void deviceSeedMixesRoundSeedAndId() {
        assertEquals(4559324835500243742L, Seeds.device(0, "d1"));
        assertEquals(-3769509544373142715L, Seeds.device(7941208982178239878L, "device-7"));
        assertNotEquals(Seeds.device(0, "d1"), Seeds.device(0, "d2"));
    }

    @Test
    void similaritySampleAndRandomMaskSeedsAreTheirDocumentedFormulas() {
        assertEquals(0x5DEECE66DL, Seeds.similaritySample(0));
        assertEquals(0L, Seeds.similaritySample(0x5DEECE66DL));
        // seed 3, draw 2, layer "fc1": 3 * 1000 + 100 + 2 + "fc1".hashCode() (= 101_140)
        assertEquals(101_140, "fc1".hashCode());
        assertEquals(3102 + 101_140, Seeds.randomMask(3, 2, "fc1"));
    }
}
