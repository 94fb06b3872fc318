package io.fedprune.coordinator.round;

import io.fedprune.dpp.MaskSpec;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.RoundResult;
import io.fedprune.wire.TierResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.DoubleFunction;
import java.util.function.Function;

/**
 * Per tier, the round whose masks did best on the coordinator's validation split (held out from every device and from
 * the test split): what the job deploys for that tier instead of the last round's cut, since a small tier's accuracy
 * can peak in an early round and drift down as the devices' masks keep moving. The test split never selects anything:
 * it only reports the chosen masks' accuracy.
 *
 * <p>A round replaces a tier's best only if its validation accuracy is strictly higher (ties keep the earlier round).
 * When a round becomes a tier's best its group masks are stored as a blob and the tier's logged result names it
 * ({@link TierResult#masks()}), so the job log alone gives the selection back after a coordinator restart
 * ({@link #restore}): each logged result with masks was its tier's best so far, so the last one per tier is the best.
 * Tiers without a validation accuracy (no validation split) are never selected; the job then deploys the last
 * round's cut, as without this class. Thread-safe.
 */
public final class TierSelection {
    private static final Logger LOG = LoggerFactory.getLogger(TierSelection.class);

    /**
     * A tier's best round so far.
     *
     * @param round      the round
     * @param validation its validation accuracy
     * @param tier       its cut: masks, test accuracy, metrics (the result names the stored masks)
     */
    public record Best(int round, double validation, PruningStrategy.Tier tier) {
    }

    private final Map<String, Best> best = new HashMap<>();

    /** An empty selection (a job's first round). */
    public TierSelection() {
    }

    /**
     * Offers one round's tiers: each one whose validation accuracy beats its tier's best so far becomes the best, its
     * group masks stored with {@code store}.
     *
     * @return the round's tier results, in order, those that became their tier's best naming their stored masks
     */
    public synchronized List<TierResult> offer(int round, List<PruningStrategy.Tier> cuts, Function<List<float[]>, BlobRef> store) {
        List<TierResult> out = new ArrayList<>(cuts.size());
        for (PruningStrategy.Tier t : cuts) {
            Double v = t.result().metrics().get(TierResult.VALIDATION_ACCURACY);
            Best b = best.get(t.result().tier());
            if (v == null || (b != null && v <= b.validation())) {
                out.add(t.result());
                continue;
            }
            TierResult stored = t.result().withMasks(store.apply(t.groupMasks()));
            best.put(stored.tier(), new Best(round, v, new PruningStrategy.Tier(stored, t.specs(), t.groupMasks())));
            out.add(stored);
        }
        return out;
    }

    /** The tier's best round so far, if any round of it had a validation accuracy. */
    public synchronized Optional<Best> best(String tier) {
        return Optional.ofNullable(best.get(tier));
    }

    /**
     * The selection after a job's logged rounds: per tier, the last logged result that names stored masks, read back
     * with {@code read} (layers in the job's order), its specs from {@code specs} (by keep). A tier whose masks cannot
     * be read starts afresh (logged as a warning): the rounds still to come compete for it, and if none has a
     * validation accuracy the job deploys the last round's cut.
     */
    public static TierSelection restore(SortedMap<Integer, RoundResult> rounds, Function<BlobRef, List<float[]>> read,
                                        DoubleFunction<List<MaskSpec>> specs) {
        Map<String, Integer> lastRound = new HashMap<>();
        Map<String, TierResult> last = new HashMap<>();
        rounds.forEach((round, r) -> r.tiers().stream().filter(t -> t.masks() != null).forEach(t -> {
            lastRound.put(t.tier(), round);
            last.put(t.tier(), t);
        }));
        TierSelection s = new TierSelection();
        last.forEach((tier, t) -> {
            Double v = t.metrics().get(TierResult.VALIDATION_ACCURACY);
            try {
                if (v == null) throw new IllegalArgumentException("its result has masks but no " + TierResult.VALIDATION_ACCURACY);
                List<MaskSpec> ms = specs.apply(t.keep());
                List<float[]> masks = read.apply(t.masks());
                if (masks.size() != ms.size()) throw new IllegalArgumentException(masks.size() + " layers, the job has " + ms.size());
                for (int l = 0; l < ms.size(); l++)
                    if (masks.get(l).length != ms.get(l).groups() * ms.get(l).n())
                        throw new IllegalArgumentException("layer " + ms.get(l).layer() + " has " + masks.get(l).length + " masks, expected "
                                + ms.get(l).groups() * ms.get(l).n());
                s.best.put(tier, new Best(lastRound.get(tier), v, new PruningStrategy.Tier(t, ms, masks)));
            } catch (RuntimeException e) {
                LOG.warn("tier {}: the masks of its best round {} cannot be read back ({}); the remaining rounds select it afresh",
                        tier, lastRound.get(tier), e.toString());
            }
        });
        return s;
    }
}
