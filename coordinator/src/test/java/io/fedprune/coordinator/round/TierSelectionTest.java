package io.fedprune.coordinator.round;

import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.RoundResult;
import io.fedprune.wire.TierResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Per-tier best-round selection by hand: one layer of 2 x 4 weights (WEIGHT: 2 groups of 4), tier "keep-0.5" with a
 * validation accuracy per round, tier "keep-1" without one (never selected, never stored).
 */
class TierSelectionTest {
    private static final List<MaskSpec> SPECS = List.of(MaskSpec.ofK("fc", Granularity.WEIGHT, new int[]{2, 4}, 2));

    /** Round r's masks: candidate r % 4 and (r + 1) % 4 kept in both groups, so every round's masks differ from the next's. */
    private static List<float[]> masks(int r) {
        float[] m = new float[8];
        for (int g = 0; g < 2; g++) {
            m[g * 4 + r % 4] = 1;
            m[g * 4 + (r + 1) % 4] = 1;
        }
        return List.of(m);
    }

    /** A tier's cut in round r: test accuracy {@code test}, validation accuracy {@code validation} (null: none). */
    private static PruningStrategy.Tier cut(String tier, int r, double test, Double validation) {
        Map<String, Double> metrics = new HashMap<>(Map.of("confidence/fc", 0.5));
        if (validation != null) metrics.put(TierResult.VALIDATION_ACCURACY, validation);
        return new PruningStrategy.Tier(new TierResult(tier, tier.equals("keep-1") ? 1 : 0.5, List.of(), OptionalDouble.of(test), metrics),
                SPECS, masks(r));
    }

    /** Stores masks in memory as blob "masks-N" (N counts the stores from 1). */
    private static final class Store {
        final Map<String, List<float[]>> blobs = new HashMap<>();

        BlobRef put(List<float[]> masks) {
            String id = "masks-" + (blobs.size() + 1);
            blobs.put(id, masks);
            return new BlobRef(id, "0".repeat(64), 32, 1, "");
        }

        List<float[]> get(BlobRef ref) {
            List<float[]> m = blobs.get(ref.blobId());
            if (m == null) throw new IllegalStateException("no blob " + ref.blobId());
            return m;
        }
    }

    // validation per round 0.60, 0.80, 0.70, 0.80 (a tie), 0.75; the test accuracy falls where validation rises, so a
    // selection on the test images would pick round 1. Best after each round: 1, 2, 2, 2 (ties keep the earlier), 2.
    private static final double[] VALIDATION = {0.60, 0.80, 0.70, 0.80, 0.75};
    private static final double[] TEST = {0.95, 0.70, 0.90, 0.90, 0.80};

    /** Offers the five rounds; returns what each round logged. */
    private static TreeMap<Integer, RoundResult> offerAll(TierSelection s, Store store) {
        TreeMap<Integer, RoundResult> logged = new TreeMap<>();
        for (int r = 1; r <= 5; r++) {
            List<TierResult> out = s.offer(r, List.of(cut("keep-0.5", r, TEST[r - 1], VALIDATION[r - 1]), cut("keep-1", r, 0.99, null)), store::put);
            logged.put(r, new RoundResult(1, 1, 0, 0, 0, 10, 5, null, out, 0, 32, Map.of(), List.of()));
        }
        return logged;
    }

    @Test
    void eachTierKeepsTheRoundOfItsBestValidationAccuracyAndStoresOnlyNewBests() {
        TierSelection s = new TierSelection();
        Store store = new Store();
        TreeMap<Integer, RoundResult> logged = offerAll(s, store);

        TierSelection.Best best = s.best("keep-0.5").orElseThrow();
        assertEquals(2, best.round());
        assertEquals(0.80, best.validation(), 0);
        assertEquals(0.70, best.tier().result().accuracy().getAsDouble(), 0, "the test accuracy is reported, not selected on");
        assertArrayEquals(masks(2).get(0), best.tier().groupMasks().get(0));
        assertEquals(SPECS, best.tier().specs());
        // masks stored in rounds 1 and 2 only (the new bests), named by those rounds' results
        assertEquals(2, store.blobs.size());
        List<String> named = new ArrayList<>();
        logged.forEach((r, res) -> named.add(res.tiers().get(0).masks() == null ? "-" : res.tiers().get(0).masks().blobId()));
        assertEquals(List.of("masks-1", "masks-2", "-", "-", "-"), named);
        assertArrayEquals(masks(2).get(0), store.blobs.get("masks-2").get(0));
        assertEquals(best.tier().result(), logged.get(2).tiers().get(0));
        // without a validation accuracy: never selected, never stored, logged as given
        assertTrue(s.best("keep-1").isEmpty());
        logged.values().forEach(res -> assertNull(res.tiers().get(1).masks()));
    }

    @Test
    void aLaterStrictlyBetterRoundReplacesTheBest() {
        TierSelection s = new TierSelection();
        Store store = new Store();
        offerAll(s, store);
        List<TierResult> r6 = s.offer(6, List.of(cut("keep-0.5", 6, 0.5, 0.8001)), store::put);
        assertEquals("masks-3", r6.get(0).masks().blobId());
        assertEquals(6, s.best("keep-0.5").orElseThrow().round());
        assertArrayEquals(masks(6).get(0), s.best("keep-0.5").orElseThrow().tier().groupMasks().get(0));
    }

    @Test
    void theJobLogGivesTheSelectionBackAfterARestart() {
        Store store = new Store();
        TreeMap<Integer, RoundResult> logged = offerAll(new TierSelection(), store);

        TierSelection restored = TierSelection.restore(logged, store::get, keep -> SPECS);
        TierSelection.Best best = restored.best("keep-0.5").orElseThrow();
        assertEquals(2, best.round());
        assertEquals(0.80, best.validation(), 0);
        assertArrayEquals(masks(2).get(0), best.tier().groupMasks().get(0));
        assertEquals(logged.get(2).tiers().get(0), best.tier().result());
        assertTrue(restored.best("keep-1").isEmpty());
        // and it goes on as the selection before the restart would: 0.80 is the bar to beat
        assertNull(restored.offer(6, List.of(cut("keep-0.5", 6, 0.9, 0.80)), store::put).get(0).masks());
        assertEquals(2, restored.best("keep-0.5").orElseThrow().round());
    }

    @Test
    void masksThatCannotBeReadBackLeaveTheTierToTheRemainingRounds() {
        Store store = new Store();
        TreeMap<Integer, RoundResult> logged = offerAll(new TierSelection(), store);

        store.blobs.remove("masks-2");
        TierSelection lost = TierSelection.restore(logged, store::get, keep -> SPECS);
        assertTrue(lost.best("keep-0.5").isEmpty(), "round 2's masks are gone: no best (round 1 was not the best)");
        assertNotNull(lost.offer(6, List.of(cut("keep-0.5", 6, 0.9, 0.5)), store::put).get(0).masks(), "any later round with a validation accuracy is taken");
        assertEquals(6, lost.best("keep-0.5").orElseThrow().round());

        store.blobs.put("masks-2", List.of(new float[7]));   // 7 masks for a layer of 8 candidates
        assertTrue(TierSelection.restore(logged, store::get, keep -> SPECS).best("keep-0.5").isEmpty());
    }
}
