package io.fedprune.coordinator.round;

import io.fedprune.coordinator.deploy.TierArtifact;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.dpp.Logits;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.dpp.Masks;
import io.fedprune.dpp.Metrics;
import io.fedprune.dpp.TemperatureSchedule;
import io.fedprune.fuse.Accumulator;
import io.fedprune.fuse.Contribution;
import io.fedprune.fuse.FoldBounds;
import io.fedprune.fuse.Fusion;
import io.fedprune.fuse.FusionConfig;
import io.fedprune.fuse.FusionResult;
import io.fedprune.fuse.FusionStrategy;
import io.fedprune.fuse.InclusionCounts;
import io.fedprune.fuse.InvalidContributionException;
import io.fedprune.fuse.ServerOptimizer;
import io.fedprune.fuse.Weighting;
import io.fedprune.model.Model;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.DeviceAssignment;
import io.fedprune.wire.LayerSpec;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.RoundStart;
import io.fedprune.wire.TensorEncoding;
import io.fedprune.wire.TierResult;
import io.fedprune.wire.TrainingConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * What a round asks and how its replies fold into the result, as Flower's {@code Strategy.configure_train} and
 * {@code aggregate_train}: the round start (each selected device's k and, with {@code nestedTraining}, the job's
 * smaller tiers within it, which the device trains in turn; the training config with the round's
 * temperatures from the job's {@link TemperatureSchedule}); a {@link Fold} that adds each accepted update to the fusion
 * (weighted by {@link Weighting}); the fused logits after the server optimiser, the round metrics and the tiers, cut as
 * top-k of the fused scores (nested across tiers; with a {@code tierProximity}, of the {@link NestedTiers} order of
 * each tier's own fusion) and evaluated; the deployed tiers (cut from the last round, or each
 * from its best round in a {@link TierSelection}, then no longer necessarily nested). Holds the server optimiser's state across rounds.
 */
public final class PruningStrategy {
    /**
     * The mask-similarity metrics look at the masks of at most this many devices per round (a seeded sample of the
     * selected ones), so the round's memory stays O(model) however large the fleet: fusion itself streams.
     */
    public static final int SIMILARITY_SAMPLE = 32;

    private final JobSpec spec;
    private final Model model;
    private final JobLayers layers;
    private final Evaluator evaluator;
    private final Weighting weighting;
    /** Per tier, ascending: every layer's k (the smaller tiers a device trains with {@code nestedTraining}). */
    private final List<int[]> tierK;
    private final TemperatureSchedule temperature;
    private final ServerOptimizer optimizer;
    /** The tiers' own fusions, nested ({@code tierProximity} > 0 and more than one tier), else null: the shared ranking. */
    private final NestedTiers nested;

    public PruningStrategy(JobSpec spec, Model model, JobLayers layers, Evaluator evaluator) {
        this.spec = spec;
        this.model = model;
        this.layers = layers;
        this.evaluator = evaluator;
        this.weighting = spec.weighting();
        this.tierK = spec.tiers().stream().map(t -> spec.maskSpecs(t).stream().mapToInt(MaskSpec::k).toArray()).toList();
        this.temperature = new TemperatureSchedule(spec.temperatureStart(), spec.temperatureEnd());
        this.optimizer = new ServerOptimizer(new ServerOptimizer.Config(spec.serverOptimizer(),
                spec.serverLearningRate(), 0.9, 0.99, 1e-3), layers.shapes());
        this.nested = spec.tierProximity() > 0 && spec.tiers().size() > 1
                ? new NestedTiers(spec.tiers().stream().map(spec::maskSpecs).toList(), spec.tierProximity()) : null;
    }

    /** First-round global logits: 2 x the per-group z-score of the candidates' weight magnitude (DESIGN.md §2). */
    public List<float[]> initialLogits() {
        List<float[]> out = new ArrayList<>();
        for (MaskSpec s : layers.base()) out.add(Logits.fromWeights(model.weight(s.layer()), s, Logits.DEFAULT_SCALE));
        return out;
    }

    /** The round start: every selected device's assignment and the round's training config. */
    public RoundStart configureRound(int round, long roundSeed, Map<String, int[]> selected, BlobRef modelRef,
                                     BlobRef globalLogits, long deadline) {
        List<DeviceAssignment> assignments = new ArrayList<>();
        selected.forEach((id, k) -> assignments.add(new DeviceAssignment(id, layers.layerSpecs(k), smallerTiers(k))));
        TensorEncoding enc = spec.updateEncoding();
        TrainingConfig cfg = new TrainingConfig(spec.localEpochs(), spec.learningRate(), spec.batchSize(),
                temperature.roundStart(round, spec.rounds()), temperature.roundEnd(round, spec.rounds()),
                spec.entropyWeight(), spec.gumbelScale(), enc, enc == TensorEncoding.INT8 ? 64 : 0, spec.rowRanks());
        return new RoundStart(spec.graph().id(), modelRef, globalLogits, assignments, cfg, roundSeed, deadline, spec.rounds());
    }

    /**
     * With {@code nestedTraining}, the job's tiers a device at {@code k} can also run (every layer's k at most its own,
     * not all equal), ascending; else none.
     */
    List<List<LayerSpec>> smallerTiers(int[] k) {
        List<List<LayerSpec>> out = new ArrayList<>();
        if (!spec.nestedTraining()) return out;
        int[] last = k;
        for (int[] t : tierK) {
            boolean within = true;
            for (int i = 0; i < k.length; i++) within &= t[i] <= k[i];
            if (within && !Arrays.equals(t, k) && !Arrays.equals(t, last)) out.add(layers.layerSpecs(last = t));
        }
        return out;
    }

    /** How many replies end a round early: ceil(quorum x selected). */
    public int quorum(int selected) {
        return (int) Math.ceil(spec.quorum() * selected - 1e-9);
    }

    /**
     * The bounds of a round's fold: at most {@code devices} updates, none weighing more than a device with
     * {@code maxSamples} samples (the largest count a selected device registered: the validator caps each update's
     * count at its device's). They fix the fusion's fixed-point scales, so its precision is relative to the largest
     * weight: a device that registers a huge count coarsens the round, but then also dominates its weighted mean.
     */
    public FoldBounds foldBounds(int devices, long maxSamples) {
        return FoldBounds.of(devices, weighting.weight(Math.max(1, maxSamples)));
    }

    /** Starts folding one round's updates; the devices in {@code similaritySample} keep their masks for the metrics. */
    public Fold begin(Set<String> similaritySample, FoldBounds bounds) {
        return begin(similaritySample, bounds, Runnable::run);
    }

    /**
     * Starts folding one round's updates within {@code bounds}; the masks of the devices in {@code similaritySample}
     * (for the metrics only) are computed on {@code metricsExecutor}, off the caller's thread.
     */
    public Fold begin(Set<String> similaritySample, FoldBounds bounds, Executor metricsExecutor) {
        FusionStrategy rule = new FusionConfig(masks() ? Fusion.MEAN : spec.fusion(), spec.trimFraction(), 1.0, ServerOptimizer.Config.none()).strategy();
        int fusions = nested == null ? 1 : 1 + nested.size();   // the plain fusion, then each tier's own
        return new Fold(() -> Stream.generate(() -> rule.begin(layers.shapes(), bounds)).limit(fusions).toList(),
                similaritySample, metricsExecutor);
    }

    /** Whether devices send k-hot masks (MASK encoding): their weighted mean is fused as inclusion counts. */
    private boolean masks() {
        return spec.updateEncoding() == TensorEncoding.MASK;
    }

    /**
     * One round's accepted updates, folded in as they arrive. {@link #add} may be called from several threads at once:
     * each call folds into an accumulator no other call is using at the time (one per concurrent call), and
     * {@link #fuse} merges them, which gives the bits of one accumulator folding every update (the fold's sums are
     * exact; see {@link Accumulator#merge}), whichever thread folded which update. With nested tiers an accumulator is
     * a slot of them: the plain fusion's, then each tier's (smallest first).
     */
    public final class Fold {
        private final Supplier<List<Accumulator>> begin;
        private final Deque<List<Accumulator>> idle = new ConcurrentLinkedDeque<>();
        private final List<List<Accumulator>> all = new CopyOnWriteArrayList<>();
        private final AtomicInteger count = new AtomicInteger();
        private final Set<String> similaritySample;
        private final Executor metricsExecutor;
        /** The sampled devices' k and masks, by device id (so that the metrics do not depend on the arrival order). */
        private final Map<String, Sampled> sampled = new ConcurrentSkipListMap<>();

        private Fold(Supplier<List<Accumulator>> begin, Set<String> similaritySample, Executor metricsExecutor) {
            this.begin = begin;
            this.similaritySample = similaritySample;
            this.metricsExecutor = metricsExecutor;
        }

        /** One sampled device's k and its mask (computed on the metrics executor). */
        private record Sampled(int[] k, CompletableFuture<BitSet> mask) {
        }

        /** The sampled devices' masks, by device id. */
        private List<BitSet> deviceMasks() {
            return sampled.values().stream().map(d -> d.mask().join()).toList();
        }

        /** The sampled devices' k, in the order of {@link #deviceMasks()}. */
        private List<int[]> deviceKs() {
            return sampled.values().stream().map(Sampled::k).toList();
        }

        /**
         * Adds an accepted update; a rejection if the fusion refuses it (then nothing changed): non-finite logits as
         * {@link RejectReason#NON_FINITE}, logits or a weight beyond the fold's bounds as {@link RejectReason#OVERSIZE},
         * row ranks that do not look like a ranking (or a k out of range) as {@link RejectReason#INVALID_FIELD}.
         * Thread-safe; not concurrently with {@link PruningStrategy#fuse}.
         */
        public UpdateValidator.Verdict add(UpdateValidator.Accepted a) {
            List<Accumulator> slot = idle.pollFirst();
            if (slot == null) {
                slot = begin.get();
                all.add(slot);
            }
            try {
                double w = weighting.weight(a.sampleCount());
                slot.get(0).add(new Contribution(a.logits(), a.k(), w, a.rowRanks()));
                if (slot.size() > 1) {   // the same contribution, checked by the plain add: each tier's add succeeds as well
                    double[] f = nested.factors(layers.withK(a.k()));
                    for (int t = 0; t < f.length; t++) slot.get(1 + t).add(new Contribution(a.logits(), a.k(), w * f[t], a.rowRanks()));
                }
            } catch (InvalidContributionException e) {
                return new UpdateValidator.Rejected(switch (e.problem()) {
                    case NON_FINITE -> RejectReason.NON_FINITE;
                    case OUT_OF_BOUNDS -> RejectReason.OVERSIZE;
                    case ROW_RANKS, SHAPE -> RejectReason.INVALID_FIELD;
                }, e.getMessage());
            } catch (IllegalArgumentException e) {
                return new UpdateValidator.Rejected(RejectReason.INVALID_FIELD, e.getMessage());
            } finally {
                idle.addFirst(slot);
            }
            count.incrementAndGet();
            if (similaritySample.contains(a.deviceId())) {
                List<MaskSpec> specs = layers.withK(a.k());
                sampled.put(a.deviceId(), new Sampled(a.k().clone(),
                        CompletableFuture.supplyAsync(() -> Masks.topKBits(a.logits(), specs), metricsExecutor)));
            }
            return a;
        }

        /** Updates folded in so far. */
        public int count() {
            return count.get();
        }

        /** The fusions of every update folded in (the plain one, then each tier's): the slots merged into one (once), then finished. */
        private List<FusionResult> finish() {
            List<Accumulator> first = all.get(0);
            for (List<Accumulator> other : all.subList(1, all.size()))
                for (int i = 0; i < first.size(); i++) first.get(i).merge(other.get(i));
            all.retainAll(List.of(first));
            return first.stream().map(Accumulator::finish).toList();
        }
    }

    /**
     * A round's result.
     *
     * @param global  the global logits for the next round
     * @param scores  the scores the tiers are cut from
     * @param fused   whether any update was folded in (else global and scores are the previous round's)
     * @param metrics round metrics: {@code logits_change}, {@code mask_similarity}, {@code device_fused_jaccard}
     * @param tiers   every tier's result
     * @param cuts    every tier's masks (for the dashboard's mask pictures)
     */
    public record Aggregate(List<float[]> global, List<float[]> scores, boolean fused, Map<String, Double> metrics,
                            List<TierResult> tiers, List<Tier> cuts) {
        /** This aggregate with other tier results (e.g. naming their stored masks). */
        public Aggregate withTiers(List<TierResult> results) {
            return new Aggregate(global, scores, fused, metrics, results, cuts);
        }

        /** An aggregate without the tiers' masks. */
        public Aggregate(List<float[]> global, List<float[]> scores, boolean fused, Map<String, Double> metrics, List<TierResult> tiers) {
            this(global, scores, fused, metrics, tiers, List.of());
        }
    }

    /**
     * A round's fused logits: what the next round needs.
     *
     * @param global the global logits for the next round
     * @param scores the scores the tiers are cut from
     * @param fused  whether any update was folded in (else global and scores are the previous round's)
     */
    public record Fused(List<float[]> global, List<float[]> scores, boolean fused) {
    }

    /** Fuses the round and steps the server optimiser (all the next round needs). */
    public Fused fuse(Fold fold, List<float[]> global) {
        if (fold.count() == 0) return new Fused(global, global, false);
        List<FusionResult> results = fold.finish();
        FusionResult fused = masks() ? InclusionCounts.fuse(results.get(0), global, layers.shapes()) : results.get(0);
        List<float[]> logits = fused.logits(), scores = fused.scores();
        if (results.size() > 1) {
            NestedTiers.Nested n = nested.nest(results.subList(1, results.size()).stream().map(FusionResult::scores).toList(), scores, logits);
            logits = n.logits();
            scores = n.scores();
        }
        List<float[]> next = optimizer.step(global, logits);
        return new Fused(next, optimizer.config().kind() == ServerOptimizer.Kind.NONE ? scores : next, true);
    }

    /** What only the round's report needs: its metrics (against the {@code previous} global logits) and every tier, evaluated. */
    public Aggregate report(Fold fold, List<float[]> previous, Fused f) {
        Map<String, Double> metrics = new TreeMap<>();
        if (f.fused()) {
            metrics.put("logits_change", Metrics.relativeChange(previous, f.global()));
            List<BitSet> deviceMasks = fold.deviceMasks();
            metrics.put("mask_similarity", Metrics.meanPairwiseJaccard(deviceMasks));
            metrics.put("device_fused_jaccard", meanJaccardToFused(deviceMasks, fold.deviceKs(), f.scores()));
        }
        List<Tier> cuts = new ArrayList<>();
        for (double keep : spec.tiers()) cuts.add(evaluateTier(keep, f.scores(), f.global()));
        return new Aggregate(f.global(), f.scores(), f.fused(), metrics, cuts.stream().map(Tier::result).toList(), cuts);
    }

    /**
     * The mean Jaccard similarity of each device's mask to the fused scores' top-k at that device's k; 0 for none. The
     * fused top-k is cut once per distinct k (devices share their budget's k).
     */
    double meanJaccardToFused(List<BitSet> masks, List<int[]> ks, List<float[]> scores) {
        if (masks.isEmpty()) return 0;
        Map<List<Integer>, BitSet> fusedByK = new HashMap<>();
        double sum = 0;
        for (int d = 0; d < masks.size(); d++) {
            int[] k = ks.get(d);
            BitSet fused = fusedByK.computeIfAbsent(Arrays.stream(k).boxed().toList(), key -> Masks.topKBits(scores, layers.withK(k)));
            sum += Metrics.jaccard(masks.get(d), fused);
        }
        return sum / masks.size();
    }

    /** One tier's masks, accuracy and metrics. */
    public record Tier(TierResult result, List<MaskSpec> specs, List<float[]> groupMasks) {
    }

    /**
     * A tier cut from {@code scores}, its confidence measured on {@code logits}, evaluated on the test split (its
     * accuracy) and on the validation split if the coordinator has one (its {@link TierResult#VALIDATION_ACCURACY} metric).
     */
    public Tier evaluateTier(double keep, List<float[]> scores, List<float[]> logits) {
        List<MaskSpec> specs = spec.maskSpecs(keep);
        List<float[]> groupMasks = new ArrayList<>();
        Map<String, float[]> weightMasks = new LinkedHashMap<>();
        Map<String, Double> metrics = new TreeMap<>();
        for (int l = 0; l < specs.size(); l++) {
            MaskSpec s = specs.get(l);
            float[] gm = Masks.topK(scores.get(l), s);
            groupMasks.add(gm);
            weightMasks.put(s.layer(), s.expand(gm));
            metrics.put("confidence/" + s.layer(), Metrics.confidence(logits.get(l), s));
            metrics.put("diversity/" + s.layer(), Metrics.diversity(gm, s));
        }
        Evaluator.Accuracy accuracy = evaluator.evaluate(weightMasks);
        accuracy.validation().ifPresent(v -> metrics.put(TierResult.VALIDATION_ACCURACY, v));
        List<LayerSpec> ls = specs.stream().map(JobLayers::layerSpec).toList();
        return new Tier(new TierResult(JobSpec.tierName(keep), keep, ls, accuracy.test(), metrics), specs, groupMasks);
    }

    /** A tier ready to deploy: its evaluation and its artifact. */
    public record Packaged(Tier tier, TierArtifact artifact) {
    }

    /** The final tiers, each cut from the last round's {@code scores}: {@link #deployment(List, TierSelection)} without a selection. */
    public List<Packaged> deployment(List<float[]> scores) {
        return deployment(scores, new TierSelection());
    }

    /**
     * The final tiers from the largest keep down: an agent applies the first tier that fits its budget and skips
     * smaller ones, so each agent applies (and acks) exactly one tier. A tier with a best round in {@code selection}
     * deploys that round's masks (as evaluated then); any other is cut from the last round's {@code scores}.
     */
    public List<Packaged> deployment(List<float[]> scores, TierSelection selection) {
        List<Double> largestFirst = new ArrayList<>(spec.tiers());
        Collections.reverse(largestFirst);
        List<Packaged> out = new ArrayList<>();
        for (double keep : largestFirst) {
            Tier t = selection.best(JobSpec.tierName(keep)).map(TierSelection.Best::tier).orElseGet(() -> evaluateTier(keep, scores, scores));
            out.add(new Packaged(t, TierArtifact.build(spec, model, keep, t.specs(), t.groupMasks())));
        }
        return out;
    }
}
