package io.fedprune.coordinator.round;

import io.fedprune.Threads;
import io.fedprune.coordinator.fleet.DeviceRecord;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.coordinator.fleet.FleetRegistry;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.dpp.Seeds;
import io.fedprune.fuse.LayerShape;
import io.fedprune.model.Model;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.Deployment;
import io.fedprune.wire.JobCancel;
import io.fedprune.wire.JobState;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.RoundResult;
import io.fedprune.wire.TierResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The round loop of one job (DESIGN.md §3-§5), and nothing else: per round it asks the {@link DeviceSelector} who takes
 * part, the {@link PruningStrategy} for the round start, publishes it, checks every update that arrives with an
 * {@link UpdateValidator} (a rejection is counted and dead-lettered, never changes the result) and folds the accepted
 * ones, several at once on folding threads of its own, until the quorum has replied or the deadline passes, then asks the strategy for the fused logits, publishes
 * them (the next round's global logits: the next round starts at once) and hands the round's report (metrics, tiers
 * cut and evaluated, each tier's best round on the validation split kept by {@link TierSelection}, the result logged)
 * to a thread of its own, which works while the next round's devices train; after the last round (and its report) it
 * deploys the strategy's tiers, each from its best round if it has one. Rounds are logged in order, each once.
 *
 * <p>Updates reach the runner through {@link #offer}; everything else goes through {@link RoundTransport}. Time comes
 * from the injected clock. Memory is O(model) for the streaming fusion rules plus one bit per logit and device of the
 * similarity sample.
 */
public final class JobRunner implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
    private static final long POLL_MS = 100;

    /** Where the runner reports what happened (the coordinator appends it to the job log and its views). */
    public interface Listener {
        void roundDone(String jobId, int round, RoundResult result);

        void deployed(String jobId, Deployment deployment, byte[] artifact);

        void finished(String jobId, JobState state, String reason);

        /** A tier's group masks in a round (for the dashboard's mask pictures); not logged. */
        default void tierMasks(String jobId, int round, String tier, List<MaskSpec> specs, List<float[]> groupMasks) {
        }
    }

    /**
     * The state a restarted job continues from: rounds already done, the global logits after them and each tier's best
     * round so far ({@link TierSelection#restore}; null: none).
     */
    public record Resume(int completedRounds, List<float[]> globalLogits, TierSelection selection) {
        public Resume(int completedRounds, List<float[]> globalLogits) {
            this(completedRounds, globalLogits, null);
        }
    }

    /** A live view of the round in progress. */
    public record Progress(int round, int selected, int replied, long deadlineMs) {
    }

    private final JobSpec spec;
    private final BlobRef modelRef;
    private final FleetRegistry fleet;
    private final RoundTransport transport;
    private final Listener listener;
    private final LongSupplier clock;
    private final Resume resume;
    private final JobLayers layers;
    private final DeviceSelector selector;
    private final PruningStrategy strategy;
    private final TierSelection selection;
    private final RoundMeters meters;
    /** What reaches the round loop: updates as they arrive and the outcomes of their folds. */
    private sealed interface Event permits Arrived, Folded {
    }

    private record Arrived(ReceivedUpdate update) implements Event {
    }

    /** An accepted update's fold finished: folded in (the verdict Accepted) or refused by the fusion. */
    private record Folded(ReceivedUpdate update, UpdateValidator.Verdict verdict) implements Event {
    }

    /** Threads that fold updates: as many as the machine has cores. */
    static final int FOLD_THREADS = Runtime.getRuntime().availableProcessors();

    private final BlockingQueue<Event> inbox = new LinkedBlockingQueue<>();
    /** Updates taken from the inbox but not yet checked, in arrival order (a later round rejects its leftovers as late). */
    private final ArrayDeque<ReceivedUpdate> arrived = new ArrayDeque<>();
    /** Folds the accepted updates, several at once, off the round loop's thread. */
    private final ExecutorService folder = Executors.newFixedThreadPool(FOLD_THREADS, Threads.daemon("fedprune-fold"));
    /** Runs the rounds' reports, one at a time, in round order. */
    private final ExecutorService reporter = Executors.newSingleThreadExecutor(Threads.daemon("fedprune-report"));
    /** The latest round's report (done when none is pending). */
    private CompletableFuture<Void> report = CompletableFuture.completedFuture(null);
    private volatile boolean cancelled;
    private volatile Progress progress = new Progress(0, 0, 0, 0);

    public JobRunner(JobSpec spec, Model model, BlobRef modelRef, FleetRegistry fleet, RoundTransport transport,
                     Evaluator evaluator, Listener listener, LongSupplier clock, Resume resume) {
        this(spec, model, modelRef, Set.of(), fleet, transport, evaluator, listener, clock, resume, RoundMeters.unexported());
    }

    /**
     * A runner for a model whose ONNX {@code operators} a device must run (empty: a built-in), timing its rounds'
     * phases in {@code meters}.
     */
    public JobRunner(JobSpec spec, Model model, BlobRef modelRef, Set<String> operators, FleetRegistry fleet,
                     RoundTransport transport, Evaluator evaluator, Listener listener, LongSupplier clock, Resume resume,
                     RoundMeters meters) {
        this.spec = spec;
        this.meters = meters;
        this.modelRef = modelRef;
        this.fleet = fleet;
        this.transport = transport;
        this.listener = listener;
        this.clock = clock;
        this.resume = resume == null ? new Resume(0, null) : resume;
        this.layers = JobLayers.of(spec, model);
        this.selector = new DeviceSelector(spec, layers.base(), model.toTensors().stream().mapToLong(io.fedprune.model.Tensor::size).sum(), operators);
        this.strategy = new PruningStrategy(spec, model, layers, evaluator);
        this.selection = this.resume.selection() != null ? this.resume.selection() : new TierSelection();
    }

    /** Hands an update to the runner (any thread). */
    public void offer(ReceivedUpdate u) {
        inbox.add(new Arrived(u));
    }

    /** Asks the runner to stop after the current poll; the job ends CANCELLED. */
    public void cancel() {
        cancelled = true;
    }

    public Progress progress() {
        return progress;
    }

    public String jobId() {
        return spec.id();
    }

    /** The layers' logit shapes, in the job's layer order. */
    public List<LayerShape> shapes() {
        return layers.shapes();
    }

    @Override
    public void run() {
        try {
            List<float[]> global = resume.globalLogits() != null ? resume.globalLogits() : strategy.initialLogits();
            List<float[]> scores = global;
            BlobRef globalRef = null;
            for (int r = resume.completedRounds() + 1; r <= spec.rounds(); r++) {
                if (cancelled) { settleReport(); cancelled("cancelled before round " + r); return; }
                Optional<Round> out = runRound(r, global, globalRef);
                if (cancelled) { settleReport(); cancelled("cancelled in round " + r); return; }
                if (out.isEmpty()) { settleReport(); finish(JobState.FAILED, "round " + r + ": no eligible device within the deadline"); return; }
                global = out.get().fused().global();
                scores = out.get().fused().scores();
                globalRef = out.get().globalRef();
            }
            awaitReport();
            for (PruningStrategy.Packaged p : strategy.deployment(scores, selection)) deploy(p);
            finish(JobState.COMPLETED, "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();   // shutting down: the job stays RUNNING in the log, a restart continues it
        } catch (Exception e) {
            if (Thread.currentThread().isInterrupted()) return;
            LOG.error("job {} failed", spec.id(), e);
            finish(JobState.FAILED, String.valueOf(e.getMessage()));
        } finally {
            reporter.shutdownNow();
            folder.shutdownNow();
        }
    }

    /** A round's outcome for the next: its fused logits and their blob (the next round's global logits). */
    private record Round(PruningStrategy.Fused fused, BlobRef globalRef) {
    }

    /**
     * One round. Its critical path is dispatch, collect, fusion and the fused logits' blob; the report (round metrics,
     * the tiers' cut and evaluation, the round result in the job log) runs on the reporting thread while the next
     * round's devices train. Reports are logged in round order and at most one is pending: a round waits for the
     * previous report before it hands over its own.
     *
     * @param globalRef the blob of {@code global} if already published (the previous round's fused logits), else null
     */
    private Optional<Round> runRound(int round, List<float[]> global, BlobRef globalRef) throws InterruptedException, ExecutionException {
        RoundMeters.Laps laps = meters.laps();
        long start = clock.getAsLong(), seed = Seeds.round(spec.seed(), round);
        Map<String, int[]> selected = awaitSelection(seed, start);
        if (selected.isEmpty()) return Optional.empty();
        long deadline = clock.getAsLong() + spec.roundDeadlineMs();
        BlobRef logitsRef = globalRef != null ? globalRef : transport.putTensors(layers.tensors(global));
        transport.publishRoundStart(spec.id(), round, strategy.configureRound(round, seed, selected, modelRef, logitsRef, deadline));
        laps.lap(RoundMeters.Phase.DISPATCH);
        int quorum = strategy.quorum(selected.size());
        LOG.info("job {} round {}: {} devices selected, quorum {}", spec.id(), round, selected.size(), quorum);
        Map<String, Long> registered = new HashMap<>();
        for (DeviceRecord d : fleet.all()) registered.put(d.profile().deviceId(), d.profile().sampleCount());
        UpdateValidator validator = new UpdateValidator(round, deadline, selected, layers, registered);
        // the similarity sample's masks (metrics only) are computed on the reporting thread, beside the fold
        long maxSamples = selected.keySet().stream().mapToLong(id -> registered.getOrDefault(id, Long.MAX_VALUE)).max().orElse(1);
        PruningStrategy.Fold fold = strategy.begin(DeviceSelector.sample(selected.keySet(), seed, PruningStrategy.SIMILARITY_SAMPLE),
                strategy.foldBounds(selected.size(), maxSamples), reporter);
        RoundTally tally = new RoundTally();
        progress = new Progress(round, selected.size(), 0, deadline);
        collect(quorum, deadline, validator, fold, tally);
        if (cancelled) return Optional.empty();
        laps.lap(RoundMeters.Phase.COLLECT);
        PruningStrategy.Fused fused = strategy.fuse(fold, global);
        laps.lap(RoundMeters.Phase.FUSION);
        BlobRef fusedRef = fused.fused() ? transport.putTensors(layers.tensors(fused.global())) : null;
        long elapsed = clock.getAsLong() - start;
        laps.lap(RoundMeters.Phase.PUBLISH);
        if (cancelled) return Optional.empty();   // cancelled meanwhile: the round is not logged (run() records the cancel)
        awaitReport();
        laps.lap(RoundMeters.Phase.REPORT);
        report = CompletableFuture.runAsync(() -> reportRound(round, fold, global, fused, tally, selected.keySet(), elapsed, fusedRef), reporter);
        return Optional.of(new Round(fused, fusedRef != null ? fusedRef : logitsRef));
    }

    /**
     * A round's report, beside the next round: metrics, the tiers' cut and evaluation, the tiers' best rounds (a new
     * best's masks stored as a blob), the round result logged.
     */
    private void reportRound(int round, PruningStrategy.Fold fold, List<float[]> global, PruningStrategy.Fused fused, RoundTally tally,
                             Set<String> selected, long elapsed, BlobRef fusedRef) {
        long r0 = System.nanoTime();
        PruningStrategy.Aggregate a = strategy.report(fold, global, fused);
        for (PruningStrategy.Tier t : a.cuts()) listener.tierMasks(spec.id(), round, t.result().tier(), t.specs(), t.groupMasks());
        List<TierResult> tiers = selection.offer(round, a.cuts(), masks -> transport.putTensors(layers.tensors(masks)));
        RoundResult result = tally.result(a.withTiers(tiers), selected, elapsed, fusedRef);
        LOG.info("job {} round {} done: {}/{} replied, tiers {}", spec.id(), round, result.replied(), selected.size(), describe(a.tiers()));
        listener.roundDone(spec.id(), round, result);
        meters.report().record(System.nanoTime() - r0, TimeUnit.NANOSECONDS);
    }

    /** Waits for the pending report; its failure fails the job. */
    private void awaitReport() throws InterruptedException, ExecutionException {
        report.get();
    }

    /** Waits for the pending report before the job ends otherwise (its failure is only logged then). */
    private void settleReport() throws InterruptedException {
        try {
            report.get();
        } catch (ExecutionException e) {
            LOG.warn("job {}: the last round's report failed: {}", spec.id(), e.getCause().toString());
        }
    }

    /** The round's devices, waiting up to the round deadline for at least one to be eligible. */
    private Map<String, int[]> awaitSelection(long seed, long start) throws InterruptedException {
        Map<String, int[]> selected = selector.select(fleet.alive(clock.getAsLong()), seed);
        while (selected.isEmpty() && !cancelled && clock.getAsLong() - start < spec.roundDeadlineMs()) {
            Thread.sleep(POLL_MS);
            selected = selector.select(fleet.alive(clock.getAsLong()), seed);
        }
        return selected;
    }

    /**
     * Collects the round's updates until the quorum is folded in or the deadline passes: checks each in arrival order on
     * this thread and folds the accepted ones on the folding threads, several at once, never more at a time than the
     * quorum still needs (so exactly the updates a one-by-one fold would take are folded in). An update from a device
     * whose earlier update is still being folded waits for that fold's outcome (a duplicate if it was folded in). Folds
     * in progress when the deadline passes are waited for and count.
     */
    private void collect(int quorum, long deadline, UpdateValidator validator, PruningStrategy.Fold fold, RoundTally tally)
            throws InterruptedException {
        Set<String> folding = new HashSet<>();
        long lastTaken = 0;
        while (!cancelled) {
            long left = deadline - clock.getAsLong();
            if (folding.isEmpty() && (fold.count() >= quorum || left <= 0)) break;
            ReceivedUpdate next = arrived.peekFirst();
            if (left > 0 && next != null && fold.count() + folding.size() < quorum && !folding.contains(next.deviceId())) {
                take(arrived.pollFirst(), validator, fold, tally, folding);
                lastTaken = System.nanoTime();
                continue;
            }
            Event e = inbox.poll(left > 0 ? Math.min(left, POLL_MS) : POLL_MS, TimeUnit.MILLISECONDS);
            if (e instanceof Arrived a) arrived.addLast(a.update());
            else if (e instanceof Folded f) {
                folding.remove(f.update().deviceId());
                settle(f.update(), f.verdict(), validator, tally);
            }
            progress = new Progress(progress.round(), progress.selected(), fold.count(), deadline);
        }
        if (lastTaken != 0) meters.foldTail().record(System.nanoTime() - lastTaken, TimeUnit.NANOSECONDS);
    }

    /** Checks one update and hands an accepted one to the folding threads, or counts and dead-letters why not. */
    private void take(ReceivedUpdate u, UpdateValidator validator, PruningStrategy.Fold fold, RoundTally tally, Set<String> folding) {
        tally.received(u);
        UpdateValidator.Verdict v = validator.check(u, clock.getAsLong());
        if (!(v instanceof UpdateValidator.Accepted a)) {
            settle(u, v, validator, tally);
            return;
        }
        folding.add(u.deviceId());
        CompletableFuture.supplyAsync(() -> meters.fold().record(() -> fold.add(a)), folder)
                .exceptionally(e -> {   // a bug, not the device's fault: the update is refused, the round goes on
                    LOG.error("job {}: folding the update of {} failed", spec.id(), u.deviceId(), e);
                    return new UpdateValidator.Rejected(RejectReason.INVALID_FIELD, "logits: " + e.getCause());
                })
                .thenAccept(verdict -> inbox.add(new Folded(u, verdict)));
    }

    /** Records an update's verdict: folded in, or counted and dead-lettered with why not. */
    private void settle(ReceivedUpdate u, UpdateValidator.Verdict v, UpdateValidator validator, RoundTally tally) {
        if (v instanceof UpdateValidator.Rejected r) {
            tally.rejected(r.reason());
            LOG.info("job {} round {}: rejected update of {}: {}", spec.id(), u.round(), u.deviceId(), r.rejection());
            transport.deadLetter(u, r.reason(), r.rejection().detail());
            return;
        }
        validator.accepted(u.deviceId());
        tally.accepted(u.update());
    }

    private void deploy(PruningStrategy.Packaged p) {
        BlobRef ref = transport.putBytes(p.artifact().bytes(), Blobs.SAFETENSORS);
        var t = p.tier().result();
        Deployment d = new Deployment(t.tier(), t.keep(), t.layers(), ref, ref, t.accuracy(), p.artifact().checksums());
        listener.deployed(spec.id(), d, p.artifact().bytes());
        transport.publishDeployment(spec.id(), d);
    }

    private static List<String> describe(List<TierResult> tiers) {
        return tiers.stream().map(t -> t.tier() + "=" + (t.accuracy().isPresent() ? String.format("%.4f", t.accuracy().getAsDouble()) : "-")).toList();
    }

    /** Ends the job CANCELLED and tells the agents, so that they stop training it. */
    private void cancelled(String reason) {
        finish(JobState.CANCELLED, reason);
        try {
            transport.publishCancel(spec.id(), new JobCancel(reason));
        } catch (RuntimeException e) {
            LOG.warn("job {}: the agents were not told of the cancel: {}", spec.id(), e.toString());
        }
    }

    private void finish(JobState state, String reason) {
        listener.finished(spec.id(), state, reason);
    }
}
