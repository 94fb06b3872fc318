package io.fedprune.coordinator;

import io.fedprune.Patience;
import io.fedprune.coordinator.job.JobLogRecord;
import io.fedprune.coordinator.job.JobRequest;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.coordinator.job.JobViews;
import io.fedprune.coordinator.round.JobRunner;
import io.fedprune.coordinator.round.ReceivedUpdate;
import io.fedprune.coordinator.round.RoundTransport;
import io.fedprune.data.TestData;
import io.fedprune.model.Model;
import io.fedprune.model.Tensor;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.Budget;
import io.fedprune.wire.Deployment;
import io.fedprune.wire.DeviceProfile;
import io.fedprune.wire.DeviceState;
import io.fedprune.wire.JobEvent;
import io.fedprune.wire.JobState;
import io.fedprune.wire.JobStatus;
import io.fedprune.wire.JobSubmitted;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.RoundResult;
import io.fedprune.wire.TierResult;
import io.fedprune.wire.RoundStart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The coordinator's state rebuilt from its log: each round once, devices' own last-seen times, ends always shown; a
 * cancel during pretraining stops it and survives a restart.
 */
class CoordinatorReplayTest {

    /** Blobs in memory; the job log can be made to fail. */
    static final class Transport implements RoundTransport {
        final Map<String, List<Tensor>> tensors = new ConcurrentHashMap<>();
        final List<JobEvent> log = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile boolean logFails;

        @Override
        public BlobRef putTensors(List<Tensor> t) {
            String id = Blobs.newBlobId();
            tensors.put(id, List.copyOf(t));
            return new BlobRef(id, "0".repeat(64), 1, 1, Blobs.TENSORS);
        }

        @Override
        public BlobRef putBytes(byte[] bytes, String contentType) {
            return new BlobRef(Blobs.newBlobId(), "0".repeat(64), 1, 1, contentType);
        }

        @Override
        public List<Tensor> getTensors(BlobRef ref) {
            List<Tensor> t = tensors.get(ref.blobId());
            if (t == null) throw new IllegalStateException("no blob " + ref.blobId());
            return t;
        }

        @Override
        public byte[] getBytes(BlobRef ref) {
            throw new IllegalStateException("no blob " + ref.blobId());
        }

        @Override
        public void publishRoundStart(String jobId, int round, RoundStart start) {
        }

        @Override
        public void publishCancel(String jobId, io.fedprune.wire.JobCancel cancel) {
        }

        @Override
        public void publishDeployment(String jobId, Deployment deployment) {
        }

        @Override
        public void appendJobEvent(String jobId, int round, JobEvent event) {
            if (logFails && event instanceof JobStatus st && st.state() != JobState.RUNNING) throw new IllegalStateException("broker down");
            log.add(event);
        }

        @Override
        public void deadLetter(ReceivedUpdate update, RejectReason reason, String detail) {
        }
    }

    /** A model provider whose models cannot be had (the job fails at start). */
    static ModelProvider noModels(Path work) {
        return new ModelProvider(TestData.mnistMini(), work, json -> new byte[0]) {
            @Override
            public Model model(JobSpec spec, java.util.function.BooleanSupplier cancelled) throws IOException {
                throw new IOException("no model here");
            }
        };
    }

    static RoundResult round(BlobRef fused) {
        return new RoundResult(2, fused == null ? 0 : 2, 0, 0, 0, 10, 5, fused, List.of(), 0, 0, Map.of(), List.of());
    }

    static JobSubmitted submitted(String id) throws Exception {
        return new JobSubmitted("application/json", JobLogRecord.write(FleetFixture.spec(3).validate(id)));
    }

    @Test
    void eachRoundIsCountedOnceAndAJobWithoutFusedLogitsResumesAfterItsLastRound(@TempDir Path work) throws Exception {
        Transport t = new Transport();
        Coordinator c = new Coordinator(CoordinatorConfig.defaults(), t, noModels(work), System::currentTimeMillis);
        c.replay("job-a", 0, submitted("job-a"));
        c.replay("job-a", 0, new JobStatus(JobState.RUNNING, ""));
        c.replay("job-a", 1, round(null));   // rounds in which nobody replied: no fused logits
        c.replay("job-a", 2, round(null));
        c.replay("job-a", 1, round(null));   // round 1 again, as a restart that began over used to append it
        assertEquals(List.of(1, 2), c.view("job-a").orElseThrow().rounds().stream().map(JobViews.RoundView::round).toList());
        JobRunner.Resume r = c.resumePoint("job-a");
        assertEquals(2, r.completedRounds(), "continues after round 2, not from round 1");
        assertNull(r.globalLogits(), "from the initial logits, which rounds without replies left unchanged");
        assertEquals(2, c.view("job-a").orElseThrow().rounds().size());

        // with fused logits: continues after the last round, from the last fused logits
        BlobRef fused = t.putTensors(List.of(new Tensor("fc1", new int[]{1, 2}, new float[]{0.5f, -1f})));
        c.replay("job-b", 0, submitted("job-b"));
        c.replay("job-b", 1, round(fused));
        c.replay("job-b", 2, round(null));
        JobRunner.Resume rb = c.resumePoint("job-b");
        assertEquals(2, rb.completedRounds());
        assertArrayEquals(new float[]{0.5f, -1f}, rb.globalLogits().get(0));

        // unreadable fused logits: over from round 1, and the rerun rounds are not added to the old ones
        c.replay("job-c", 0, submitted("job-c"));
        c.replay("job-c", 1, round(new BlobRef("gone", "0".repeat(64), 1, 1, Blobs.TENSORS)));
        assertEquals(0, c.resumePoint("job-c").completedRounds());
        assertEquals(List.of(), c.view("job-c").orElseThrow().rounds());
    }

    @Test
    void aJobsTierProximityComesBackFromTheLog(@TempDir Path work) throws Exception {
        Coordinator c = new Coordinator(CoordinatorConfig.defaults(), new Transport(), noModels(work), System::currentTimeMillis);
        JobSpec spec = FleetFixture.spec(3).validate("job-p").toBuilder().tierProximity(1.5).build("job-p");
        c.replay("job-p", 0, new JobSubmitted("application/json", JobLogRecord.write(spec)));
        assertEquals(1.5, c.view("job-p").orElseThrow().spec().tierProximity());
        c.replay("job-q", 0, submitted("job-q"));
        assertEquals(JobSpec.DEFAULT_TIER_PROXIMITY, c.view("job-q").orElseThrow().spec().tierProximity());
    }

    @Test
    void eachTiersBestRoundOnValidationComesBackFromTheLog(@TempDir Path work) throws Exception {
        Transport t = new Transport();
        Coordinator c = new Coordinator(CoordinatorConfig.defaults(), t, noModels(work), System::currentTimeMillis);
        List<io.fedprune.dpp.MaskSpec> specs = FleetFixture.spec(3).validate("job-d").maskSpecs(0.1);
        List<Tensor> masks = new java.util.ArrayList<>();
        for (io.fedprune.dpp.MaskSpec s : specs) {
            float[] m = new float[s.groups() * s.n()];
            m[5] = 1;
            masks.add(new Tensor(s.layer(), new int[]{s.groups(), s.n()}, m));
        }
        BlobRef stored = t.putTensors(masks), fused = t.putTensors(List.of(new Tensor("fc1", new int[]{1, 2}, new float[]{0.5f, -1f})));
        // round 1 was keep-0.1's best on validation (its masks stored), round 2 did worse there
        TierResult best = new TierResult("keep-0.1", 0.1, List.of(), java.util.OptionalDouble.of(0.8), Map.of(TierResult.VALIDATION_ACCURACY, 0.9), stored);
        TierResult worse = new TierResult("keep-0.1", 0.1, List.of(), java.util.OptionalDouble.of(0.85), Map.of(TierResult.VALIDATION_ACCURACY, 0.7));
        c.replay("job-d", 0, submitted("job-d"));
        c.replay("job-d", 1, new RoundResult(2, 2, 0, 0, 0, 10, 5, fused, List.of(best), 0, 0, Map.of(), List.of()));
        c.replay("job-d", 2, new RoundResult(2, 2, 0, 0, 0, 10, 5, fused, List.of(worse), 0, 0, Map.of(), List.of()));

        JobRunner.Resume r = c.resumePoint("job-d");
        assertEquals(2, r.completedRounds());
        var b = r.selection().best("keep-0.1").orElseThrow();
        assertEquals(1, b.round());
        assertEquals(0.9, b.validation(), 0);
        assertEquals(specs, b.tier().specs());
        for (int l = 0; l < specs.size(); l++) assertArrayEquals(masks.get(l).data(), b.tier().groupMasks().get(l));
        assertTrue(r.selection().best("keep-0.25").isEmpty());
        assertEquals(new JobViews.Chosen(1, 0.9), JobViews.Chosen.of("keep-0.1", new java.util.TreeMap<>(Map.of(1,
                new RoundResult(2, 2, 0, 0, 0, 10, 5, fused, List.of(best), 0, 0, Map.of(), List.of())))));
    }

    @Test
    void replayedDevicesKeepTheirOwnLastSeenTimes(@TempDir Path work) {
        long now = 1_000_000_000L;
        Coordinator c = new Coordinator(CoordinatorConfig.defaults(), new Transport(), noModels(work), () -> now);
        DeviceProfile gone = new DeviceProfile("gone", Budget.ofKeep(0.1), 100, List.of(), "t");
        DeviceProfile here = new DeviceProfile("here", Budget.ofKeep(0.1), 100, List.of(), "t");
        c.onDevice(gone, DeviceState.IDLE, now - 600_000);   // its last heartbeat, 10 minutes before the restart
        c.onDevice(here, DeviceState.IDLE, now - 1_000);
        Map<String, JobViews.DeviceView> byId = new java.util.HashMap<>();
        for (JobViews.DeviceView d : c.devices()) byId.put(d.id(), d);
        assertFalse(byId.get("gone").alive(), "a device silent for 10 minutes is not alive after a restart");
        assertEquals(now - 600_000, byId.get("gone").lastSeenMs());
        assertTrue(byId.get("here").alive());
    }

    @Test
    void aJobThatEndsWhileTheLogCannotBeWrittenShowsItsEnd(@TempDir Path work) throws Exception {
        Transport t = new Transport();
        Coordinator c = new Coordinator(CoordinatorConfig.builder().dataDir(TestData.mnistMini().toString()).build(), t, noModels(work),
                System::currentTimeMillis);
        c.replay("job-f", 0, submitted("job-f"));
        t.logFails = true;   // the broker goes away: the job cannot start (no model) and cannot log that it failed
        c.resume();
        Patience.await().until(() -> !c.view("job-f").orElseThrow().state().equals("RUNNING"));
        JobViews.JobView v = c.view("job-f").orElseThrow();
        assertEquals("FAILED", v.state());
        assertTrue(v.reason().contains("no model here") && v.reason().contains("not recorded in the job log"), v.reason());
    }

    @Test
    void aJobCancelledWhilePretrainingStopsAndStaysCancelledAfterARestart(@TempDir Path work) throws Exception {
        Transport t = new Transport();
        java.util.concurrent.CountDownLatch pretraining = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Throwable> ended = new java.util.concurrent.atomic.AtomicReference<>();
        ModelProvider models = new ModelProvider(TestData.mnistMini(), work, json -> new byte[0]) {
            @Override
            public Model model(JobSpec spec, java.util.function.BooleanSupplier cancelled) throws IOException {
                pretraining.countDown();
                try {
                    Model m = super.model(spec, cancelled);
                    ended.set(new AssertionError("pretraining ran to its end"));
                    return m;
                } catch (RuntimeException e) {
                    ended.set(e);
                    throw e;
                }
            }
        };
        Coordinator c = new Coordinator(CoordinatorConfig.builder().dataDir(TestData.mnistMini().toString())
                .workDir(work.toString()).build(), t, models, System::currentTimeMillis);
        // 1000 epochs of pretraining: many minutes unless the cancel stops it
        JobRequest spec = FleetFixture.spec(3).validate("r").toBuilder().pretrainEpochs(1000).roundDeadlineMs(180_000L)
                .build("r").toRequest();
        String id = c.submit(spec).id();
        Patience.await().until(() -> pretraining.getCount() == 0);
        assertTrue(c.cancel(id));
        assertEquals("CANCELLED", c.view(id).orElseThrow().state(), "shown at once");
        Patience.await().until(() -> ended.get() != null);
        assertInstanceOf(java.util.concurrent.CancellationException.class, ended.get(), "pretraining stopped after its epoch");

        // a restarted coordinator replays the log: the job stays cancelled and is not resumed
        Coordinator restarted = new Coordinator(CoordinatorConfig.defaults(), new Transport(), noModels(work), System::currentTimeMillis);
        for (JobEvent ev : t.log) restarted.replay(id, 0, ev);
        restarted.resume();
        assertEquals("CANCELLED", restarted.view(id).orElseThrow().state());
        assertFalse(restarted.cancel(id), "nothing left to cancel");
    }

    @Test
    void aJobInterruptedWhileStartingByAShutdownStaysRunningForTheNextCoordinator(@TempDir Path work) throws Exception {
        Transport t = new Transport();
        java.util.concurrent.CountDownLatch starting = new java.util.concurrent.CountDownLatch(1);
        ModelProvider models = new ModelProvider(TestData.mnistMini(), work, json -> new byte[0]) {
            @Override
            public Model model(JobSpec spec, java.util.function.BooleanSupplier cancelled) {
                starting.countDown();
                try {
                    new java.util.concurrent.CountDownLatch(1).await();
                } catch (InterruptedException e) {   // as BlobWriter does: the flag restored, an exception thrown
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while writing", e);
                }
                throw new AssertionError("not interrupted");
            }
        };
        Coordinator c = new Coordinator(CoordinatorConfig.builder().dataDir(TestData.mnistMini().toString())
                .workDir(work.toString()).build(), t, models, System::currentTimeMillis);
        String id = c.submit(FleetFixture.spec(1)).id();
        Patience.await().until(() -> starting.getCount() == 0);
        c.close();   // the node shuts down while the job is starting
        assertTrue(t.log.stream().noneMatch(e -> e instanceof JobStatus s && s.state() == JobState.FAILED),
                "a shutdown is not the job's failure: " + t.log);
        assertEquals("RUNNING", c.view(id).orElseThrow().state());
    }
}
