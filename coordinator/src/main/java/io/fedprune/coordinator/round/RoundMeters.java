package io.fedprune.coordinator.round;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where a round's time goes, as Micrometer timers (Prometheus: {@code fedprune_round_phase_seconds{phase=...}},
 * {@code fedprune_round_report_seconds} and {@code fedprune_update_*_seconds}). The round loop's phases, each recorded
 * once per round, in order:
 * <ul>
 *   <li>{@code dispatch}: device selection, the global logits as a blob (only when they are not the previous round's
 *       fused logits, already published) and the round start;</li>
 *   <li>{@code collect}: from the round start until the quorum replied or the deadline passed (the devices' training
 *       and upload, the coordinator's fetch, decode and fold of their updates);</li>
 *   <li>{@code fusion}: the fused logits and the server optimiser's step;</li>
 *   <li>{@code publish}: the fused logits as a blob (the next round's global logits);</li>
 *   <li>{@code report}: the loop waiting for the previous round's report (see below) before it hands over its own.</li>
 * </ul>
 * {@code fedprune.round.report} times the report itself, which runs beside the loop while the next round's devices
 * train: round metrics, the tiers' cut and evaluation, the round result in the job log.
 * {@code fedprune.round.fold_tail} times the end of a round's collection that the uploads did not hide: from the loop's
 * taking its last update until every fold is done.
 * Per update: {@code fedprune.update.fetch} (its record consumed until its logits blob is all there),
 * {@code fedprune.update.decode} (blob bytes to float logits) and {@code fedprune.update.fold} (folded into the fusion, on
 * the folding threads).
 */
public final class RoundMeters {
    /** The phase timer's name (tag {@code phase}). */
    public static final String PHASE = "fedprune.round.phase";
    public static final String FETCH = "fedprune.update.fetch";
    public static final String DECODE = "fedprune.update.decode";
    public static final String FOLD = "fedprune.update.fold";
    public static final String REPORT = "fedprune.round.report";
    public static final String FOLD_TAIL = "fedprune.round.fold_tail";

    /** The round loop's phases, in order. */
    public enum Phase {
        DISPATCH, COLLECT, FUSION, PUBLISH, REPORT;

        /** The tag value. */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final Map<Phase, Timer> phases = new EnumMap<>(Phase.class);
    private final Timer fetch, decode, fold, report, foldTail;

    public RoundMeters(MeterRegistry registry) {
        this.registry = registry;
        for (Phase p : Phase.values())
            phases.put(p, Timer.builder(PHASE).tag("phase", p.tag()).description("Time of one phase of a round").register(registry));
        fetch = Timer.builder(FETCH).description("An update's record consumed until its logits blob is all there").register(registry);
        decode = Timer.builder(DECODE).description("Decoding an update's logits blob").register(registry);
        report = Timer.builder(REPORT).description("A round's report: metrics, tier cut and evaluation, round result logged").register(registry);
        fold = Timer.builder(FOLD).description("Folding an accepted update into the fusion").register(registry);
        foldTail = Timer.builder(FOLD_TAIL).description("A round's last update taken by the loop until every fold is done").register(registry);
    }

    /** Meters kept in a registry of their own (nobody exports them). */
    public static RoundMeters unexported() {
        return new RoundMeters(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** A stopwatch over one round's phases: each {@link Laps#lap} records the time since the previous one. */
    public Laps laps() {
        return new Laps();
    }

    /** See {@link #laps()}. */
    public final class Laps {
        private long last = System.nanoTime();

        private Laps() {
        }

        /** Records the time since the previous lap (or since {@link #laps()}) as phase {@code p}. */
        public void lap(Phase p) {
            long now = System.nanoTime();
            phases.get(p).record(now - last, TimeUnit.NANOSECONDS);
            last = now;
        }
    }

    public Timer phase(Phase p) {
        return phases.get(p);
    }

    public Timer fetch() {
        return fetch;
    }

    public Timer decode() {
        return decode;
    }

    public Timer fold() {
        return fold;
    }

    public Timer report() {
        return report;
    }

    public Timer foldTail() {
        return foldTail;
    }
}
