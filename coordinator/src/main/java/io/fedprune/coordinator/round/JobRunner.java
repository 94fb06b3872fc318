package io.fedprune.coordinator.round;

import io.fedprune.coordinator.deploy.TierArtifact;
import io.fedprune.coordinator.fleet.DeviceRecord;
import io.fedprune.coordinator.fleet.FleetRegistry;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.Logits;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.dpp.Masks;
import io.fedprune.dpp.Metrics;
import io.fedprune.fuse.Accumulator;
import io.fedprune.fuse.Contribution;
import io.fedprune.fuse.Fusion;
import io.fedprune.fuse.FusionConfig;
import io.fedprune.fuse.FusionResult;
import io.fedprune.fuse.InclusionCounts;
import io.fedprune.fuse.LayerShape;
import io.fedprune.fuse.ServerOptimizer;
import io.fedprune.fuse.Weighting;
import io.fedprune.model.Layer;
import io.fedprune.model.Model;
import io.fedprune.model.Tensor;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.Budget;
import io.fedprune.wire.Deployment;
import io.fedprune.wire.DeviceAssignment;
import io.fedprune.wire.DeviceProfile;
import io.fedprune.wire.JobState;
import io.fedprune.wire.LayerSpec;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.RoundResult;
import io.fedprune.wire.RoundStart;
import io.fedprune.wire.TensorEncoding;
import io.fedprune.wire.TierResult;
import io.fedprune.wire.TrainingConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The round loop of one job, in one place (DESIGN.md §3-§4): select devices (seeded) among the live ones whose budget
 * fits; publish the round start; collect updates until the quorum has replied or the deadline passes (late,
 * duplicate and invalid updates are counted, dead-lettered with the reason and never change the result); fuse the
 * logits, each device weighted by its sample count or its square root (the default, see {@link Weighting}); cut
 * the tier masks as top-k of the fused scores (nested across tiers); evaluate each tier; record the round result;
 * and after the last round publish one deployment per tier.
 *
 * <p>Updates reach the runner through {@link #offer}; everything else goes through {@link RoundTransport}. Memory is
 * O(model) for the streaming fusion rules plus one bit per logit and device for the mask-similarity metric.
 */
public final class JobRunner implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
    private static final long POLL_MS = 100;
    /**
     * The mask-similarity metrics look at the masks of at most this many devices per round (a seeded sample of the
     * selected ones), so the round's memory stays O(model) however large the fleet: fusion itself streams.
     */
    static final int SIMILARITY_SAMPLE = 32;

    /** Where the runner reports what happened (the coordinator appends it to the job log and its views). */
    public interface Listener {
        void roundDone(String jobId, int round, RoundResult result);

        void deployed(String jobId, Deployment deployment, byte[] artifact);

        void finished(String jobId, JobState state, String reason);
    }

    /** The state a restarted job continues from: rounds already done and the global logits after them. */
    public record Resume(int completedRounds, List<float[]> globalLogits) {
    }

    /** A live view of the round in progress. */
    public record Progress(int round, int selected, int replied, long deadlineMs) {
    }

    private final JobSpec spec;
    private final Model model;
    private final BlobRef modelRef;
    private final FleetRegistry fleet;
    private final RoundTransport transport;
    private final Evaluator evaluator;
    private final Listener listener;
    private final LongSupplier clock;
    private final Resume resume;
    private final Weighting weighting;
    private final List<MaskSpec> baseSpecs = new ArrayList<>();
    private final List<LayerShape> shapes = new ArrayList<>();
    private final BlockingQueue<ReceivedUpdate> inbox = new LinkedBlockingQueue<>();
    private volatile boolean cancelled;
    private volatile Progress progress = new Progress(0, 0, 0, 0);
    private int lateBetweenRounds;

    public JobRunner(JobSpec spec, Model model, BlobRef modelRef, FleetRegistry fleet, RoundTransport transport,
                     Evaluator evaluator, Listener listener, LongSupplier clock, Resume resume) {
        this.spec = spec;
        this.model = model;
        this.modelRef = modelRef;
        this.fleet = fleet;
        this.transport = transport;
        this.evaluator = evaluator;
        this.listener = listener;
        this.clock = clock;
        this.resume = resume == null ? new Resume(0, null) : resume;
        this.weighting = Weighting.valueOf(spec.weighting());
        for (JobSpec.LayerPlan p : spec.layers()) {
            Layer l = model.arch().layer(p.layer());
            MaskSpec s = MaskSpec.ofK(p.layer(), Granularity.valueOf(p.granularity()), l.weightShape(), 1);
            baseSpecs.add(s);
            shapes.add(new LayerShape(p.layer(), s.groups(), s.n()));
        }
    }

    /** Hands an update to the runner (any thread). */
    public void offer(ReceivedUpdate u) {
        inbox.add(u);
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

    @Override
    public void run() {
        try {
            List<float[]> global = resume.globalLogits() != null ? resume.globalLogits() : initialLogits();
            List<float[]> scores = global;
            ServerOptimizer optimizer = new ServerOptimizer(new ServerOptimizer.Config(
                    ServerOptimizer.Kind.valueOf(spec.serverOptimizer()), spec.serverLearningRate(), 0.9, 0.99, 1e-3), shapes);
            for (int r = resume.completedRounds() + 1; r <= spec.rounds(); r++) {
                if (cancelled) {
                    listener.finished(spec.id(), JobState.CANCELLED, "cancelled before round " + r);
                    return;
                }
                Optional<RoundOutcome> out = runRound(r, global, optimizer);
                if (cancelled) {
                    listener.finished(spec.id(), JobState.CANCELLED, "cancelled in round " + r);
                    return;
                }
                if (out.isEmpty()) {
                    listener.finished(spec.id(), JobState.FAILED, "round " + r + ": no eligible device within the deadline");
                    return;
                }
                global = out.get().global;
                scores = out.get().scores;
                listener.roundDone(spec.id(), r, out.get().result);
            }
            deploy(scores);
            listener.finished(spec.id(), JobState.COMPLETED, "");
        } catch (InterruptedException e) {
            // the coordinator is shutting down: the job stays RUNNING in the log and a restart continues it
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (Thread.currentThread().isInterrupted()) return;
            LOG.error("job {} failed", spec.id(), e);
            listener.finished(spec.id(), JobState.FAILED, String.valueOf(e.getMessage()));
        }
    }

    /** First-round global logits: 2 x the per-group z-score of the candidates' weight magnitude (DESIGN.md §2). */
    List<float[]> initialLogits() {
        List<float[]> out = new ArrayList<>();
        for (MaskSpec s : baseSpecs) out.add(Logits.fromWeights(model.weight(s.layer()), s, Logits.DEFAULT_SCALE));
        return out;
    }

    private record RoundOutcome(RoundResult result, List<float[]> global, List<float[]> scores) {
    }

    private Optional<RoundOutcome> runRound(int round, List<float[]> global, ServerOptimizer optimizer) throws Exception {
        long start = clock.getAsLong();
        long roundSeed = new Random(spec.seed() * 1_000_003L + round).nextLong();
        Map<String, int[]> selected = select(roundSeed);
        while (selected.isEmpty() && !cancelled && clock.getAsLong() - start < spec.roundDeadlineMs()) {
            Thread.sleep(POLL_MS);
            selected = select(roundSeed);
        }
        if (selected.isEmpty()) return Optional.empty();
        long deadline = clock.getAsLong() + spec.roundDeadlineMs();
        BlobRef logitsRef = transport.putTensors(tensors(global, "logits"));
        List<DeviceAssignment> assignments = new ArrayList<>();
        selected.forEach((id, k) -> assignments.add(new DeviceAssignment(id, layerSpecs(k))));
        double t0 = spec.temperatureStart(), t1 = spec.temperatureEnd();
        double fromT = t0 + (t1 - t0) * (round - 1) / spec.rounds(), toT = t0 + (t1 - t0) * round / spec.rounds();
        TensorEncoding enc = TensorEncoding.valueOf(spec.updateEncoding());
        TrainingConfig cfg = new TrainingConfig(spec.localEpochs(), spec.learningRate(), spec.batchSize(), fromT, toT,
                spec.entropyWeight(), spec.gumbelScale(), enc, enc == TensorEncoding.INT8 ? 64 : 0);
        transport.publishRoundStart(spec.id(), round, new RoundStart(spec.arch(), modelRef, logitsRef, assignments, cfg,
                roundSeed, deadline, spec.rounds()));
        int quorum = (int) Math.ceil(spec.quorum() * selected.size() - 1e-9);
        progress = new Progress(round, selected.size(), 0, deadline);
        LOG.info("job {} round {}: {} devices selected, quorum {}", spec.id(), round, selected.size(), quorum);

        boolean masks = enc == TensorEncoding.MASK;    // devices send k-hot masks: fuse their inclusion counts
        Accumulator acc = new FusionConfig(masks ? Fusion.MEAN : Fusion.valueOf(spec.fusion()), spec.trimFraction(), 1.0,
                ServerOptimizer.Config.none()).strategy().begin(shapes);
        Set<String> seen = new HashSet<>();
        Set<String> similaritySample = sample(selected.keySet(), roundSeed, SIMILARITY_SAMPLE);
        List<BitSet> deviceMasks = new ArrayList<>();
        List<int[]> deviceKs = new ArrayList<>();
        int late = lateBetweenRounds, duplicates = 0, invalid = 0;
        lateBetweenRounds = 0;
        long trainMsMax = 0, uplinkBytes = 0;
        double bitsWeighted = 0, samples = 0;
        while (acc.count() < quorum && !cancelled) {
            long left = deadline - clock.getAsLong();
            if (left <= 0) break;
            ReceivedUpdate u = inbox.poll(Math.min(left, POLL_MS), TimeUnit.MILLISECONDS);
            if (u == null) continue;
            uplinkBytes += u.bytes();
            String reject = null;
            RejectReason reason = RejectReason.INVALID_FIELD;
            if (u.round() != round || clock.getAsLong() > deadline) {
                reason = RejectReason.LATE;
                reject = "update for round " + u.round() + " arrived during round " + round;
            } else if (u.error() != null) {
                reason = u.error().reason();
                reject = u.error().detail();
            } else if (!selected.containsKey(u.deviceId())) {
                reject = "device " + u.deviceId() + " was not selected for round " + round;
            } else if (seen.contains(u.deviceId())) {
                reason = RejectReason.DUPLICATE;
                reject = "second update of device " + u.deviceId() + " for round " + round;
            } else {
                reject = accept(u, selected.get(u.deviceId()), acc, similaritySample.contains(u.deviceId()) ? deviceMasks : null, deviceKs);
                if (reject != null) reason = reason(reject);
            }
            if (reject != null) {
                switch (reason) {
                    case LATE -> late++;
                    case DUPLICATE -> duplicates++;
                    default -> invalid++;
                }
                LOG.info("job {} round {}: rejected update of {}: {} ({})", spec.id(), round, u.deviceId(), reason, reject);
                transport.deadLetter(u, reason, reject);
                continue;
            }
            seen.add(u.deviceId());
            trainMsMax = Math.max(trainMsMax, u.update().timings().trainMs());
            bitsWeighted += u.update().bitsPerParameter();
            samples++;
            progress = new Progress(round, selected.size(), acc.count(), deadline);
        }
        if (cancelled) return Optional.of(new RoundOutcome(null, global, global));

        Map<String, Double> metrics = new TreeMap<>();
        List<float[]> next = global, scores = global;
        BlobRef fusedRef = null;
        if (acc.count() > 0) {
            FusionResult fused = masks ? InclusionCounts.fuse(acc.finish(), global, shapes) : acc.finish();
            next = optimizer.step(global, fused.logits());
            scores = optimizer.config().kind() == ServerOptimizer.Kind.NONE ? fused.scores() : next;
            metrics.put("logits_change", relativeChange(global, next));
            metrics.put("mask_similarity", meanPairwiseJaccard(deviceMasks));
            metrics.put("device_fused_jaccard", meanJaccardToFused(deviceMasks, deviceKs, scores));
            fusedRef = transport.putTensors(tensors(next, "logits"));
        }
        List<TierResult> tiers = new ArrayList<>();
        for (double keep : spec.tiers()) tiers.add(evaluateTier(keep, scores, next).result);
        RoundResult result = new RoundResult(selected.size(), acc.count(), late, duplicates, invalid,
                clock.getAsLong() - start, trainMsMax, fusedRef, tiers, uplinkBytes,
                samples > 0 ? bitsWeighted / samples : 0, metrics);
        LOG.info("job {} round {} done: {}/{} replied, tiers {}", spec.id(), round, acc.count(), selected.size(),
                tiers.stream().map(t -> t.tier() + "=" + (t.accuracy().isPresent() ? String.format("%.4f", t.accuracy().getAsDouble()) : "-")).toList());
        return Optional.of(new RoundOutcome(result, next, scores));
    }

    private static RejectReason reason(String detail) {
        if (detail.startsWith("non-finite")) return RejectReason.NON_FINITE;
        if (detail.startsWith("shape")) return RejectReason.SHAPE_MISMATCH;
        return RejectReason.INVALID_FIELD;
    }

    /** At most {@code max} of the ids, chosen by a seeded shuffle of the sorted ids (the same for the same seed). */
    static Set<String> sample(Set<String> ids, long seed, int max) {
        List<String> sorted = new ArrayList<>(new java.util.TreeSet<>(ids));
        if (sorted.size() <= max) return new HashSet<>(sorted);
        Collections.shuffle(sorted, new Random(seed ^ 0x5DEECE66DL));
        return new HashSet<>(sorted.subList(0, max));
    }

    /**
     * Checks an update against its assignment and adds it; returns why it was rejected, or null. The device's own
     * top-k mask is kept for the similarity metrics when {@code deviceMasks} is not null.
     */
    private String accept(ReceivedUpdate u, int[] k, Accumulator acc, List<BitSet> deviceMasks, List<int[]> deviceKs) {
        List<LayerSpec> used = u.update().kUsed();
        if (!used.equals(layerSpecs(k))) return "k used " + used + " differs from the assignment " + layerSpecs(k);
        if (u.update().sampleCount() < 1) return "sample count must be >= 1";
        Map<String, Tensor> byName = new HashMap<>();
        for (Tensor t : u.logits()) byName.put(t.name(), t);
        List<float[]> logits = new ArrayList<>();
        for (LayerShape s : shapes) {
            Tensor t = byName.get(s.name());
            if (t == null) return "shape: no logits for layer " + s.name();
            if (t.size() != s.size()) return "shape: layer " + s.name() + " has " + t.size() + " logits, expected " + s.size();
            float[] x = t.data();
            for (float v : x) if (!Float.isFinite(v)) return "non-finite logits in layer " + s.name();
            logits.add(x);
        }
        try {
            acc.add(new Contribution(logits, k, weighting.weight(u.update().sampleCount())));
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (deviceMasks == null) return null;   // not in this round's similarity sample
        BitSet bits = new BitSet();
        int off = 0;
        for (int l = 0; l < shapes.size(); l++) {
            float[] m = Masks.topK(logits.get(l), baseSpecs.get(l).withK(k[l]));
            for (int i = 0; i < m.length; i++) if (m[i] != 0) bits.set(off + i);
            off += m.length;
        }
        deviceMasks.add(bits);
        deviceKs.add(k.clone());
        return null;
    }

    /** One tier's masks, accuracy and metrics. */
    record Tier(TierResult result, List<MaskSpec> specs, List<float[]> groupMasks) {
    }

    Tier evaluateTier(double keep, List<float[]> scores, List<float[]> logits) {
        List<MaskSpec> specs = tierSpecs(keep);
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
        OptionalDouble accuracy = evaluator.accuracy(weightMasks);
        List<LayerSpec> ls = new ArrayList<>();
        for (MaskSpec s : specs) ls.add(layerSpec(s));
        return new Tier(new TierResult(JobSpec.tierName(keep), keep, ls, accuracy, metrics), specs, groupMasks);
    }

    /**
     * Publishes the tiers from the largest keep down: an agent applies the first tier that fits its budget and skips
     * smaller ones, so each agent applies (and acks) exactly one tier.
     */
    private void deploy(List<float[]> scores) throws Exception {
        List<Double> largestFirst = new ArrayList<>(spec.tiers());
        Collections.reverse(largestFirst);
        for (double keep : largestFirst) {
            Tier t = evaluateTier(keep, scores, scores);
            TierArtifact artifact = TierArtifact.build(spec, model, keep, t.specs(), t.groupMasks());
            BlobRef ref = transport.putBytes(artifact.bytes(), Blobs.SAFETENSORS);
            Deployment d = new Deployment(JobSpec.tierName(keep), keep, t.result().layers(), ref, ref,
                    t.result().accuracy(), artifact.checksums());
            listener.deployed(spec.id(), d, artifact.bytes());
            transport.publishDeployment(spec.id(), d);
        }
    }

    /** The tier's spec per layer: k = ceil(keep * n), the output layer keeping at least outputMinKeep. */
    List<MaskSpec> tierSpecs(double keep) {
        return spec.maskSpecs(keep);
    }

    /** Selected devices and their k per layer: live devices whose budget fits, shuffled with the round seed. */
    private Map<String, int[]> select(long roundSeed) {
        List<String> ids = new ArrayList<>();
        Map<String, int[]> ks = new HashMap<>();
        for (DeviceRecord d : fleet.alive(clock.getAsLong())) {
            Optional<int[]> k = deviceK(d.profile());
            if (k.isPresent()) {
                ids.add(d.profile().deviceId());
                ks.put(d.profile().deviceId(), k.get());
            }
        }
        Collections.sort(ids);
        Collections.shuffle(ids, new Random(roundSeed));
        int m = spec.devicesPerRound() == 0 ? ids.size() : Math.min(spec.devicesPerRound(), ids.size());
        Map<String, int[]> out = new LinkedHashMap<>();
        for (String id : ids.subList(0, m).stream().sorted().toList()) out.put(id, ks.get(id));
        return out;
    }

    /**
     * A device's k per layer: its per-layer k where given (must be in [1, n]), else ceil(keep * n) (the output layer
     * keeping at least outputMinKeep); empty if its budget does not fit this job or it cannot run the model.
     */
    Optional<int[]> deviceK(DeviceProfile p) {
        if (p.sampleCount() < 1) return Optional.empty();
        if (p.capabilities().stream().anyMatch(c -> c.startsWith("model:"))
                && !p.capabilities().contains("model:" + spec.arch())) return Optional.empty();
        Budget b = p.budget();
        List<MaskSpec> byKeep = b.keep() > 0 ? spec.maskSpecs(b.keep()) : null;
        int[] k = new int[baseSpecs.size()];
        for (int l = 0; l < k.length; l++) {
            MaskSpec s = baseSpecs.get(l);
            Integer explicit = b.kPerLayer().get(s.layer());
            if (explicit != null) {
                if (explicit < 1 || explicit > s.n()) return Optional.empty();
                k[l] = explicit;
            } else if (byKeep != null) {
                k[l] = byKeep.get(l).k();
            } else {
                return Optional.empty();
            }
        }
        return Optional.of(k);
    }

    private List<LayerSpec> layerSpecs(int[] k) {
        List<LayerSpec> out = new ArrayList<>();
        for (int l = 0; l < k.length; l++) out.add(layerSpec(baseSpecs.get(l).withK(k[l])));
        return out;
    }

    static LayerSpec layerSpec(MaskSpec s) {
        return new LayerSpec(s.layer(), io.fedprune.wire.Granularity.valueOf(s.granularity().name()), s.n(), s.k());
    }

    private List<Tensor> tensors(List<float[]> perLayer, String what) {
        List<Tensor> out = new ArrayList<>();
        for (int l = 0; l < shapes.size(); l++)
            out.add(new Tensor(shapes.get(l).name(), new int[]{shapes.get(l).groups(), shapes.get(l).n()}, perLayer.get(l)));
        return out;
    }

    /** The layers' logit shapes, in the job's layer order. */
    public List<LayerShape> shapes() {
        return List.copyOf(shapes);
    }

    private static double relativeChange(List<float[]> a, List<float[]> b) {
        double d = 0, n = 0;
        for (int l = 0; l < a.size(); l++)
            for (int i = 0; i < a.get(l).length; i++) {
                double x = a.get(l)[i], y = b.get(l)[i];
                d += (y - x) * (y - x);
                n += x * x;
            }
        return n == 0 ? Math.sqrt(d) : Math.sqrt(d / n);
    }

    private static double meanPairwiseJaccard(List<BitSet> masks) {
        if (masks.size() < 2) return 1.0;
        double sum = 0;
        int pairs = 0;
        for (int i = 0; i < masks.size(); i++)
            for (int j = i + 1; j < masks.size(); j++) {
                sum += jaccard(masks.get(i), masks.get(j));
                pairs++;
            }
        return sum / pairs;
    }

    private double meanJaccardToFused(List<BitSet> masks, List<int[]> ks, List<float[]> scores) {
        if (masks.isEmpty()) return 0;
        double sum = 0;
        for (int d = 0; d < masks.size(); d++) {
            BitSet fused = new BitSet();
            int off = 0;
            for (int l = 0; l < shapes.size(); l++) {
                float[] m = Masks.topK(scores.get(l), baseSpecs.get(l).withK(ks.get(d)[l]));
                for (int i = 0; i < m.length; i++) if (m[i] != 0) fused.set(off + i);
                off += m.length;
            }
            sum += jaccard(masks.get(d), fused);
        }
        return sum / masks.size();
    }

    private static double jaccard(BitSet a, BitSet b) {
        BitSet inter = (BitSet) a.clone();
        inter.and(b);
        BitSet union = (BitSet) a.clone();
        union.or(b);
        return union.isEmpty() ? 1.0 : (double) inter.cardinality() / union.cardinality();
    }
}
