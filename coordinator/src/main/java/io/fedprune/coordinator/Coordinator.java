package io.fedprune.coordinator;

import io.fedprune.Threads;
import io.fedprune.runtime.TierKeys;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedprune.coordinator.fleet.DeviceRecord;
import io.fedprune.coordinator.fleet.FleetRegistry;
import io.fedprune.coordinator.job.InvalidFieldException;
import io.fedprune.coordinator.job.JobLimits;
import io.fedprune.coordinator.job.JobLogRecord;
import io.fedprune.coordinator.job.JobRequest;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.coordinator.job.JobViews;
import io.fedprune.coordinator.round.Evaluator;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.coordinator.round.JobRunner;
import io.fedprune.coordinator.round.ReceivedUpdate;
import io.fedprune.coordinator.round.RoundTransport;
import io.fedprune.coordinator.round.TierSelection;
import io.fedprune.model.Model;
import io.fedprune.onnx.OnnxExport;
import io.fedprune.runtime.TierFile;
import io.fedprune.model.Tensor;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.Deployment;
import io.fedprune.wire.DeploymentAck;
import io.fedprune.wire.DeviceProfile;
import io.fedprune.wire.DeviceState;
import io.fedprune.wire.JobAcked;
import io.fedprune.wire.JobDeployed;
import io.fedprune.wire.JobEvent;
import io.fedprune.wire.JobState;
import io.fedprune.wire.JobStatus;
import io.fedprune.wire.JobSubmitted;
import io.fedprune.wire.RoundResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The coordinator's core as a plain service, usable with or without the HTTP server: jobs (submit, list, inspect,
 * cancel), the fleet registry, the inbound events (device hellos/heartbeats, updates, deployment acks, the replayed
 * job log) and one {@link JobRunner} thread per running job. The Micronaut application wires it to Kafka and REST;
 * the sandbox demo can build one directly (see {@code io.fedprune.coordinator.round.KafkaRoundTransport#start}).
 */
public final class Coordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);
    static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final CoordinatorConfig config;
    private final RoundTransport transport;
    private final ModelProvider models;
    private final FleetRegistry fleet;
    private final LongSupplier clock;
    private final io.fedprune.coordinator.round.RoundMeters meters;
    private final Map<String, Entry> jobs = new ConcurrentHashMap<>();
    private final List<java.util.function.BiConsumer<String, RoundResult>> roundObservers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<java.util.function.Consumer<Change>> changeObservers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, LatestAck> latestAckByDevice = new ConcurrentHashMap<>();

    /** Something a dashboard shows changed: a job (its id) or the fleet ({@code jobId} empty). */
    public record Change(String kind, String jobId) {
        public static Change job(String id) {
            return new Change("job", id);
        }

        public static final Change FLEET = new Change("fleet", "");
    }

    private record LatestAck(String jobId, double keep, DeploymentAck ack) {
    }
    private final ExecutorService executor = Executors.newCachedThreadPool(Threads.daemon("fedprune-job"));

    /** Mutable state of one job (guarded by its own monitor). */
    private static final class Entry {
        JobSpec spec;
        JobState state = JobState.PENDING;
        String reason = "";
        /** Round results by round number: a round replayed or re-appended twice is counted once. */
        final java.util.TreeMap<Integer, RoundResult> rounds = new java.util.TreeMap<>();
        final Map<String, Deployment> deployments = new LinkedHashMap<>();
        final Map<String, Map<String, DeploymentAck>> acks = new LinkedHashMap<>();
        final Map<String, JobViews.MaskView> masks = new LinkedHashMap<>();   // latest round's mask pictures by tier
        long startedMs = -1, endedMs = -1;
        Double denseAccuracy;
        volatile JobRunner runner;
        volatile java.util.concurrent.Future<?> task;
        volatile Model model;
        volatile boolean cancelRequested;
    }

    /** Whether this coordinator runs jobs (always, unless it is a standby under {@link FailoverConfig}). */
    private volatile boolean leading = true;

    /** Thrown by writes to a standby coordinator: jobs are created and cancelled on the leader. */
    public static final class StandbyException extends IllegalStateException {
        /** What a standby answers to writes (and to whether it leads). */
        public static final String MESSAGE = "this coordinator is a standby: jobs are created and cancelled on the leading coordinator";

        public StandbyException() {
            super(MESSAGE);
        }
    }

    public Coordinator(CoordinatorConfig config, RoundTransport transport, ModelProvider models, LongSupplier clock) {
        this(config, transport, models, clock, io.fedprune.coordinator.round.RoundMeters.unexported());
    }

    /** A coordinator whose job runners time their rounds in {@code meters}. */
    public Coordinator(CoordinatorConfig config, RoundTransport transport, ModelProvider models, LongSupplier clock,
                       io.fedprune.coordinator.round.RoundMeters meters) {
        this.meters = meters;
        this.config = config;
        this.transport = transport;
        this.models = models;
        this.fleet = new FleetRegistry(config.deviceLiveMs());
        this.clock = clock;
    }

    // ------------------------------------------------------------------------------------------------ jobs

    /**
     * Validates and starts a job, without upper bounds (in-process callers: the demo, tests).
     *
     * @throws InvalidFieldException naming the bad field
     */
    public JobViews.JobView submit(JobRequest request) {
        return submit(request, JobLimits.NONE);
    }

    /**
     * Validates and starts a job within {@code limits} (the REST API's), counting the jobs pending or running.
     *
     * @throws InvalidFieldException naming the bad field, or (field "") when too many jobs are pending or running
     */
    public synchronized JobViews.JobView submit(JobRequest request, JobLimits limits) {
        if (!leading) throw new StandbyException();
        String id = "job-" + UUID.randomUUID().toString().substring(0, 8);
        JobSpec spec = request.modelOnnx() != null ? importedSpec(request, id, limits) : request.validate(id, limits);
        limits.checkConcurrent(jobs.values().stream().filter(Coordinator::active).count());
        if (request.modelOnnx() != null) {
            spec = spec.withModelBlob(ModelProvider.modelBlob(transport.putBytes(decode("modelOnnx", request.modelOnnx()), Blobs.ONNX)));
        } else if (request.modelSafetensors() != null) {
            byte[] bytes = decode("modelSafetensors", request.modelSafetensors());
            try {
                models.fromSafetensors(spec.graph(), bytes);
            } catch (RuntimeException e) {
                throw new InvalidFieldException("modelSafetensors", e.getMessage());
            }
            spec = spec.withModelBlob(ModelProvider.modelBlob(transport.putBytes(bytes, Blobs.SAFETENSORS)));
        } else if (!models.canPretrain()) {
            throw new InvalidFieldException("modelSafetensors", "this coordinator has no training data (" + config.dataDir()
                    + "): upload a model");
        }
        transport.appendJobEvent(id, 0, new JobSubmitted("application/json", JobLogRecord.write(spec)));
        Entry e = new Entry();
        e.spec = spec;
        e.startedMs = clock.getAsLong();
        jobs.put(id, e);
        start(e, null);
        return view(id).orElseThrow();
    }

    private static boolean active(Entry e) {
        synchronized (e) {
            return e.state == JobState.PENDING || e.state == JobState.RUNNING;
        }
    }

    /**
     * The spec of a request with an ONNX model: imported here (an unsupported operator, attribute or shape, or bytes
     * that are not an ONNX model, name the problem) and checked against the coordinator's data.
     */
    private JobSpec importedSpec(JobRequest request, String id, JobLimits limits) {
        String name = request.arch() == null ? JobRequest.IMPORTED_ID : request.arch();
        Model model;
        try {
            model = io.fedprune.onnx.OnnxImport.read(decode("modelOnnx", request.modelOnnx()), name);
            models.checkFits(model.graph(), name);
        } catch (InvalidFieldException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("modelOnnx", e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return request.validate(id, limits, model.graph());
    }

    private static byte[] decode(String field, String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException(field, "not valid base64: " + e.getMessage());
        }
    }

    /** Cancels a running job; false if there is no such job or it already ended. */
    public boolean cancel(String id) {
        Entry e = jobs.get(id);
        if (e == null) return false;
        if (!leading) throw new StandbyException();
        synchronized (e) {
            if (e.state != JobState.RUNNING && e.state != JobState.PENDING) return false;
        }
        JobRunner r;
        synchronized (e) {
            e.cancelRequested = true;
            r = e.runner;
        }
        if (r != null) r.cancel();   // the round loop ends within one poll and records CANCELLED
        else finished(id, JobState.CANCELLED, "cancelled before the first round");   // pretraining stops after its epoch
        return true;
    }

    /** Every job, oldest first. */
    public List<JobViews.JobView> jobs() {
        return jobs.keySet().stream().sorted().map(this::view).flatMap(Optional::stream).toList();
    }

    /** One job. */
    public Optional<JobViews.JobView> view(String id) {
        Entry e = jobs.get(id);
        if (e == null) return Optional.empty();
        synchronized (e) {
            List<JobViews.RoundView> rounds = new ArrayList<>();
            e.rounds.forEach((n, r) -> rounds.add(JobViews.RoundView.of(n, r)));
            List<JobViews.DeploymentView> deps = new ArrayList<>();
            for (Deployment d : e.deployments.values()) {
                Map<String, JobViews.AckView> acks = new LinkedHashMap<>();
                e.acks.getOrDefault(d.tier(), Map.of()).forEach((dev, a) -> acks.put(dev, JobViews.AckView.of(a)));
                JobViews.Chosen chosen = JobViews.Chosen.of(d.tier(), e.rounds);
                deps.add(new JobViews.DeploymentView(d.tier(), d.keep(), JobViews.ks(d.layers()),
                        d.accuracy().isPresent() ? d.accuracy().getAsDouble() : null,
                        artifactPath(id, d.tier()).toString(), d.checksums(), acks,
                        chosen == null ? null : chosen.round(), chosen == null ? null : chosen.validationAccuracy()));
            }
            JobRunner r = e.runner;
            JobViews.ProgressView p = null;
            if (r != null && e.state == JobState.RUNNING) {
                JobRunner.Progress pr = r.progress();
                p = new JobViews.ProgressView(pr.round(), pr.selected(), pr.replied(), pr.deadlineMs());
            }
            return Optional.of(new JobViews.JobView(id, e.state.name(), e.reason, e.spec.toRequest(), p, rounds, deps,
                    e.startedMs < 0 ? null : e.startedMs, e.endedMs < 0 ? null : e.endedMs, e.denseAccuracy));
        }
    }

    /** The mask pictures of a tier in the job's latest round (held in memory: empty after a restart until the next round). */
    public Optional<JobViews.MaskView> masks(String jobId, String tier) {
        Entry e = jobs.get(jobId);
        if (e == null) return Optional.empty();
        synchronized (e) {
            return Optional.ofNullable(e.masks.get(tier));
        }
    }

    /** The safetensors artifact of a deployed tier, if present: from the work folder, else from its blob. */
    public Optional<byte[]> artifact(String jobId, String tier) {
        Path p = artifactPath(jobId, tier);
        Optional<byte[]> local = read(p);
        if (local.isPresent()) return local;
        Deployment d = deployments(jobId).get(tier);
        if (d == null) return Optional.empty();
        try {
            return Optional.of(transport.getBytes(d.masks()));
        } catch (Exception ex) {
            LOG.warn("job {} tier {}: artifact neither in {} nor readable from its blob: {}", jobId, tier, p, ex.toString());
            return Optional.empty();
        }
    }

    /** The ONNX export of a deployed tier (written beside its safetensors artifact), if present. */
    public Optional<byte[]> onnx(String jobId, String tier) {
        return read(onnxPath(jobId, tier));
    }

    private static Optional<byte[]> read(Path p) {
        try {
            return Files.exists(p) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private Path artifactPath(String jobId, String tier) {
        return Path.of(config.workDir(), "jobs", jobId, tier + ".safetensors");
    }

    private Path onnxPath(String jobId, String tier) {
        return Path.of(config.workDir(), "jobs", jobId, tier + ".onnx");
    }

    /** The fleet. */
    public List<JobViews.DeviceView> devices() {
        long now = clock.getAsLong();
        List<JobViews.DeviceView> out = new ArrayList<>();
        for (DeviceRecord d : fleet.all()) {
            DeviceProfile p = d.profile();
            FleetRegistry.Participation part = fleet.participation(p.deviceId());
            LatestAck la = latestAckByDevice.get(p.deviceId());
            DeploymentAck a = la == null ? null : la.ack();
            out.add(new JobViews.DeviceView(p.deviceId(), p.budget().keep(), p.budget().kPerLayer(), p.sampleCount(),
                    d.state().name(), d.lastSeenMs(), fleet.isAlive(d, now), part.rounds(),
                    part.rounds() == 0 ? null : part.trainMs(), part.rounds() == 0 ? null : part.roundMs(),
                    a == null ? null : JobViews.AckView.of(a), a == null ? null : a.tier()));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ inbound

    /** A hello or heartbeat received now. */
    public void onDevice(DeviceProfile profile, DeviceState state) {
        onDevice(profile, state, Long.MAX_VALUE);
    }

    /**
     * A hello or heartbeat sent at {@code sentMs} (its record's timestamp): a device replayed after a restart keeps its
     * own last-seen time, never the restart time (a time in the future counts as now).
     */
    public void onDevice(DeviceProfile profile, DeviceState state, long sentMs) {
        fleet.seen(profile, state, Math.min(sentMs, clock.getAsLong()));
        changed(Change.FLEET);
    }

    /** An update (decoded or not) for a job. */
    public void onUpdate(ReceivedUpdate u) {
        Entry e = jobs.get(u.jobId());
        JobRunner r = e == null ? null : e.runner;
        if (r == null) {
            if (u.error() != null) transport.deadLetter(u, u.error().reason(), u.error().detail());   // its own fault first
            else transport.deadLetter(u, io.fedprune.wire.RejectReason.LATE, "no running job " + u.jobId());
            return;
        }
        if (u.update() != null) fleet.tookPart(u.deviceId(), u.jobId(), u.round(), u.update().timings());
        r.offer(u);
        changed(Change.job(u.jobId()));
        changed(Change.FLEET);
    }

    /** Jobs of the replayed log that did not end and will not be continued ({@code resume-jobs=false}) say so. */
    public void notResumed() {
        for (Entry e : jobs.values()) {
            synchronized (e) {
                if (!ended(e.state)) e.reason = "not resumed: this coordinator runs with resume-jobs=false";
            }
        }
    }

    /** A deployment ack: kept in the job's view and appended to the job log. */
    public void onAck(String jobId, DeploymentAck ack) {
        if (!jobs.containsKey(jobId)) return;
        transport.appendJobEvent(jobId, 0, new JobAcked(ack));
        acked(jobId, ack);
    }

    private void acked(String jobId, DeploymentAck ack) {
        Entry e = jobs.get(jobId);
        if (e == null) return;
        double keep;
        synchronized (e) {
            e.acks.computeIfAbsent(ack.tier(), t -> new LinkedHashMap<>()).put(ack.deviceId(), ack);
            keep = tierKeep(e, ack.tier());
        }
        latestAckByDevice.merge(ack.deviceId(), new LatestAck(jobId, keep, ack), Coordinator::settledOn);
        changed(Change.job(jobId));
        changed(Change.FLEET);
    }

    /** A device's latest ack for a job (the tier it settled on), if any. */
    public Map<String, DeploymentAck> latestAcks(String jobId) {
        Entry e = jobs.get(jobId);
        Map<String, DeploymentAck> out = new LinkedHashMap<>();
        if (e == null) return out;
        synchronized (e) {
            e.acks.values().forEach(m -> m.forEach((dev, a) -> {
                DeploymentAck prev = out.get(dev);
                if (prev == null || tierKeep(e, a.tier()) > tierKeep(e, prev.tier())) out.put(dev, a);
            }));
        }
        return out;
    }

    /** Of two acks of a device, the tier it settled on: a later job's; in one job an applied tier, the largest. */
    private static LatestAck settledOn(LatestAck old, LatestAck now) {
        if (!old.jobId().equals(now.jobId())) return now;
        if (old.ack().applied() != now.ack().applied()) return old.ack().applied() ? old : now;
        return old.keep() > now.keep() ? old : now;
    }

    private static double tierKeep(Entry e, String tier) {
        for (double keep : e.spec.tiers()) if (JobSpec.tierName(keep).equals(tier)) return keep;
        return 0;
    }

    /** One event of the replayed job log (before {@link #resume}); {@code round} is the envelope's round. */
    public void replay(String jobId, int round, JobEvent event) {
        replay(jobId, round, event, -1);
    }

    /** {@link #replay(String, int, JobEvent)} of an event logged at {@code timestampMs} (-1: unknown). */
    public void replay(String jobId, int round, JobEvent event, long timestampMs) {
        if (event instanceof JobSubmitted s) {
            try {
                Entry e = new Entry();
                e.startedMs = timestampMs;
                e.spec = JobLogRecord.read(s.spec(), models::importedGraph);
                jobs.put(jobId, e);
            } catch (IOException ex) {
                LOG.warn("job {}: unreadable spec in the log, skipped: {}", jobId, ex.getMessage());
            }
            return;
        }
        if (event instanceof JobAcked a) {
            acked(jobId, a.ack());
            return;
        }
        Entry e = jobs.get(jobId);
        if (e == null) return;
        synchronized (e) {
            if (event instanceof RoundResult r) {
                if (round >= 1) e.rounds.put(round, r);
                else LOG.warn("job {}: round result without a round number in the log, skipped", jobId);
            }
            else if (event instanceof JobDeployed d) e.deployments.put(d.deployment().tier(), d.deployment());
            else if (event instanceof JobStatus st) {
                e.state = st.state();
                e.reason = st.reason();
                e.endedMs = ended(st.state()) ? timestampMs : -1;
            }
        }
    }

    /** Whether this coordinator runs jobs. */
    public boolean leading() {
        return leading;
    }

    /**
     * Makes this coordinator a standby: it stops running its jobs where they are (their runners are interrupted; the
     * jobs stay RUNNING in the log, and the new leader continues them from it) and refuses writes. {@link #lead}
     * makes it run jobs again.
     */
    public void standBy() {
        leading = false;
        for (Entry e : jobs.values()) {
            java.util.concurrent.Future<?> t = e.task;
            if (t != null) t.cancel(true);
            synchronized (e) {
                e.task = null;
                e.runner = null;
            }
        }
    }

    /** Makes this coordinator run jobs (call {@link #resume} after replaying the log to continue the unfinished). */
    public void lead() {
        leading = true;
    }

    /** Continues every job of the replayed log that had not ended. */
    public void resume() {
        for (Map.Entry<String, Entry> me : jobs.entrySet()) {
            Entry e = me.getValue();
            if (e.state == JobState.COMPLETED || e.state == JobState.CANCELLED || e.state == JobState.FAILED || e.runner != null)
                continue;
            JobRunner.Resume resume = resumePoint(me.getKey());
            LOG.info("job {}: resuming after round {}", me.getKey(), resume.completedRounds());
            start(e, resume);
        }
    }

    /**
     * Where a replayed job continues: after its last consecutive round, from the fused logits of the last round that
     * had any (none: the initial logits, which a round without replies leaves unchanged). Only if those logits
     * cannot be read does it start over from round 1, and then its rounds are recounted as they are rerun.
     */
    JobRunner.Resume resumePoint(String jobId) {
        Entry e = jobs.get(jobId);
        synchronized (e) {
            int done = 0;
            while (e.rounds.containsKey(done + 1)) done++;
            e.rounds.tailMap(done, false).clear();   // a gap: what follows it is rerun
            TierSelection selection = TierSelection.restore(e.rounds, this::tensorData, e.spec::maskSpecs);
            for (int n = done; n >= 1; n--) {
                BlobRef ref = e.rounds.get(n).fusedLogits();
                if (ref == null) continue;
                try {
                    return new JobRunner.Resume(done, tensorData(ref), selection);
                } catch (Exception ex) {
                    LOG.warn("job {}: cannot read the fused logits of round {} ({}); starting over from round 1", jobId, n, ex.getMessage());
                    e.rounds.clear();
                    return new JobRunner.Resume(0, null);
                }
            }
            return new JobRunner.Resume(done, null, selection);
        }
    }

    /** The tensors of a blob, their data in order. */
    private List<float[]> tensorData(BlobRef ref) {
        try {
            return transport.getTensors(ref).stream().map(Tensor::data).toList();
        } catch (RuntimeException ex) {
            throw ex;
        } catch (Exception ex) {
            throw new IllegalStateException(ex.getMessage(), ex);
        }
    }

    private void start(Entry e, JobRunner.Resume resume) {
        String id = e.spec.id();
        synchronized (e) {
            e.state = JobState.RUNNING;
            if (e.startedMs < 0) e.startedMs = clock.getAsLong();
        }
        transport.appendJobEvent(id, 0, new JobStatus(JobState.RUNNING, ""));
        changed(Change.job(id));
        e.task = executor.submit(() -> {
            try {
                Model model = models.model(e.spec, () -> e.cancelRequested);
                e.model = model;
                // an imported model travels as its ONNX file (uploaded as a blob), a built-in as its weights
                BlobRef modelRef = e.spec.imported() ? ModelProvider.modelRef(e.spec.modelBlob()) : transport.putTensors(model.toTensors());
                Evaluator evaluator = models.evaluator(model, config.evalSamples());
                OptionalDouble dense = evaluator.evaluate(Map.of()).test();
                JobRunner runner = new JobRunner(e.spec, model, modelRef, models.operators(e.spec), fleet, transport, evaluator, listener, clock, resume, meters);
                synchronized (e) {
                    e.denseAccuracy = dense.isPresent() ? dense.getAsDouble() : null;
                    if (e.cancelRequested) return;   // cancelled while starting: already recorded CANCELLED
                    e.runner = runner;
                }
                runner.run();
            } catch (java.util.concurrent.CancellationException ex) {
                LOG.info("job {}: {}", id, ex.getMessage());
            } catch (Throwable ex) {   // any failure (also an Error, e.g. a class that fails to load) fails the job instead of vanishing in the executor
                if (Thread.currentThread().isInterrupted()) {   // shutting down: the job stays RUNNING in the log, a restart continues it
                    LOG.info("job {}: start interrupted by the shutdown ({}); a restarted coordinator continues it", id, ex.toString());
                    return;
                }
                if (!leading) {
                    LOG.info("job {}: stopped here, this coordinator no longer leads ({})", id, ex.toString());
                    return;
                }
                LOG.error("job {} could not start", id, ex);
                finished(id, JobState.FAILED, "could not start: " + ex.getMessage());
            }
        });
    }

    private final JobRunner.Listener listener = new JobRunner.Listener() {
        @Override
        public void roundDone(String jobId, int round, RoundResult result) {
            transport.appendJobEvent(jobId, round, result);
            roundObservers.forEach(o -> o.accept(jobId, result));
            Entry e = jobs.get(jobId);
            synchronized (e) {
                e.rounds.put(round, result);
            }
            changed(Change.job(jobId));
        }

        @Override
        public void tierMasks(String jobId, int round, String tier, List<MaskSpec> specs, List<float[]> groupMasks) {
            JobViews.MaskView view = JobViews.MaskView.of(tier, round, specs, groupMasks);
            Entry e = jobs.get(jobId);
            synchronized (e) {
                e.masks.put(tier, view);
            }
        }

        @Override
        public void deployed(String jobId, Deployment d, byte[] artifact) {
            try {
                Path p = artifactPath(jobId, d.tier());
                Files.createDirectories(p.getParent());
                Files.write(p, artifact);
                Entry job = jobs.get(jobId);
                TierFile t = TierFile.read(artifact, Map.of(), job.model == null ? null : job.model.graph());
                Files.write(onnxPath(jobId, d.tier()), OnnxExport.tier(t.model(), t.masks(), Map.of(TierKeys.ONNX_JOB, jobId,
                        TierKeys.ONNX_TIER, d.tier(), TierKeys.ONNX_KEEP, Double.toString(d.keep()))));
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            transport.appendJobEvent(jobId, 0, new JobDeployed(d));
            Entry e = jobs.get(jobId);
            synchronized (e) {
                e.deployments.put(d.tier(), d);
            }
            changed(Change.job(jobId));
        }

        @Override
        public void finished(String jobId, JobState state, String reason) {
            Coordinator.this.finished(jobId, state, reason);
        }
    };

    /** Ends a job: in memory first, so the job shows its end even if the log cannot be written (then it says so). */
    private void finished(String jobId, JobState state, String reason) {
        Entry e = jobs.get(jobId);
        synchronized (e) {
            e.state = state;
            e.reason = reason;
            e.endedMs = clock.getAsLong();
        }
        LOG.info("job {} {} {}", jobId, state, reason);
        try {
            transport.appendJobEvent(jobId, 0, new JobStatus(state, reason));
        } catch (RuntimeException ex) {
            LOG.error("job {}: could not log its end ({} {}): {}", jobId, state, reason, ex.toString());
            synchronized (e) {
                e.reason = (reason.isEmpty() ? "" : reason + "; ") + "not recorded in the job log: " + ex.getMessage();
            }
        }

        changed(Change.job(jobId));
    }

    private static boolean ended(JobState s) {
        return s == JobState.COMPLETED || s == JobState.CANCELLED || s == JobState.FAILED;
    }

    private void changed(Change c) {
        for (java.util.function.Consumer<Change> o : changeObservers) {
            try {
                o.accept(c);
            } catch (RuntimeException ex) {
                LOG.warn("change observer failed: {}", ex.toString());
            }
        }
    }

    /** Calls {@code observer} whenever a job or the fleet changes (e.g. to push dashboard updates). */
    public void onChange(java.util.function.Consumer<Change> observer) {
        changeObservers.add(observer);
    }

    /** Calls {@code observer} after every finished round (e.g. for metrics). */
    public void onRound(java.util.function.BiConsumer<String, RoundResult> observer) {
        roundObservers.add(observer);
    }

    /** The deployments of a finished job, by tier. */
    public Map<String, Deployment> deployments(String jobId) {
        Entry e = jobs.get(jobId);
        if (e == null) return Map.of();
        synchronized (e) {
            return new LinkedHashMap<>(e.deployments);
        }
    }

    /** Stops the job threads (the jobs stay RUNNING in the log, so a restarted coordinator continues them). */
    @Override
    public void close() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }
}
