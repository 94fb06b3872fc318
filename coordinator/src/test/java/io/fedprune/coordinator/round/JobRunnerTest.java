package io.fedprune.coordinator.round;

import io.fedprune.Patience;
import io.fedprune.runtime.TierKeys;
import io.fedprune.runtime.TierFile;
import io.fedprune.wire.Safetensors;
import io.fedprune.coordinator.fleet.FleetRegistry;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.fuse.Fusion;
import io.fedprune.fuse.Weighting;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.model.Tensor;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Budget;
import io.fedprune.wire.Deployment;
import io.fedprune.wire.DeviceAssignment;
import io.fedprune.wire.DeviceProfile;
import io.fedprune.wire.DeviceState;
import io.fedprune.wire.JobState;
import io.fedprune.wire.LocalMetrics;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.Rejection;
import io.fedprune.wire.RoundResult;
import io.fedprune.wire.RoundStart;
import io.fedprune.wire.TensorEncoding;
import io.fedprune.wire.Timings;
import io.fedprune.wire.Update;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/** The round loop against an in-memory transport and simulated devices (no broker, no training). */
class JobRunnerTest {
    private static final Model MODEL = Model.init(ModelArch.LENET300.graph(), 7);
    private static final Map<String, Double> KEEP = Map.of("d1", 0.05, "d2", 0.10, "d3", 0.25);
    private static final Map<String, Integer> SAMPLES = Map.of("d1", 100, "d2", 300, "d3", 600);

    private static JobSpec spec(String fusion, String weighting, int rounds) {
        JobSpec.Builder b = JobSpec.builder().pretrainEpochs(0).rounds(rounds).roundDeadlineMs(60_000L).learningRate(0.1)
                .fusion(Fusion.valueOf(fusion)).seed(42L);
        return (weighting == null ? b : b.weighting(Weighting.valueOf(weighting))).build("job-t");
    }

    /** What the runner reported. */
    static final class Recorder implements JobRunner.Listener {
        final List<RoundResult> rounds = new CopyOnWriteArrayList<>();
        final Map<String, byte[]> artifacts = new HashMap<>();
        volatile JobState state;
        volatile String reason;

        @Override
        public void roundDone(String jobId, int round, RoundResult result) {
            rounds.add(result);
        }

        @Override
        public synchronized void deployed(String jobId, Deployment d, byte[] artifact) {
            artifacts.put(d.tier(), artifact);
        }

        @Override
        public void finished(String jobId, JobState s, String r) {
            reason = r;
            state = s;
        }
    }

    /** A device's simulated logits: the global logits plus seeded noise. */
    private static List<Tensor> deviceLogits(List<Tensor> global, String device, int round) {
        Random rnd = new Random(device.hashCode() * 31L + round);
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : global) {
            float[] x = t.data();
            for (int i = 0; i < x.length; i++) x[i] += (float) rnd.nextGaussian();
            out.add(new Tensor(t.name(), t.shape(), x));
        }
        return out;
    }

    /** A device's update for {@code round}, trained on the previous round's global logits. */
    private static Update update(String device, DeviceAssignment a, long samples, int round) {
        return new Update(device, a.layers(), new BlobRef("b-" + device, "0".repeat(64), 1, 1, ""), List.of(),
                TensorEncoding.FLOAT32, samples, new LocalMetrics(1, 0.5, 0.5, 0.9, samples), new Timings(0, 5, 0, 0), round - 1, 32, new byte[0]);
    }

    private record Run(Recorder rec, MemoryRoundTransport transport, List<List<Tensor>> sent) {
    }

    /** Runs a job with three devices; with {@code inject}, adds a duplicate, malformed, stray and late update. */
    /** With the default device weighting. */
    private static Run run(String fusion, int rounds, boolean inject) throws Exception {
        return run(fusion, null, rounds, inject);
    }

    private static Run run(String fusion, String weighting, int rounds, boolean inject) throws Exception {
        return run(fusion, weighting, rounds, inject, new MemoryRoundTransport(), masks -> new Evaluator.Accuracy(OptionalDouble.of(0.5), OptionalDouble.empty()));
    }

    private static Run run(String fusion, String weighting, int rounds, boolean inject, MemoryRoundTransport transport, Evaluator evaluator)
            throws Exception {
        FleetRegistry fleet = new FleetRegistry(60_000);
        long now = 1_000_000;   // the runner's clock stands still: rounds end by quorum, never by the deadline
        for (String d : KEEP.keySet())
            fleet.seen(new DeviceProfile(d, Budget.ofKeep(KEEP.get(d)), SAMPLES.get(d), List.of(), "t"), DeviceState.IDLE, now);
        Recorder rec = new Recorder();
        JobSpec spec = spec(fusion, weighting, rounds);
        JobRunner runner = new JobRunner(spec, MODEL, new BlobRef("model", "0".repeat(64), 1, 1, ""), fleet, transport,
                evaluator, rec, () -> now, null);
        Thread t = new Thread(runner);
        t.start();
        List<List<Tensor>> sent = new ArrayList<>();
        for (int r = 1; r <= rounds; r++) {
            int round = r;
            Patience.await().until(() -> transport.roundStarts().size() >= round);
            RoundStart rs = transport.roundStarts().get(r - 1);
            List<Tensor> global = transport.getTensors(rs.globalLogits());
            Map<String, DeviceAssignment> as = new HashMap<>();
            for (DeviceAssignment a : rs.assignments()) as.put(a.deviceId(), a);
            assertEquals(KEEP.keySet(), as.keySet());
            if (inject && r == 2) runner.offer(ReceivedUpdate.of("job-t", 1, update("d1", as.get("d1"), 100, 1), deviceLogits(global, "d1", 1), 10, null, new byte[0]));
            for (String d : List.of("d1", "d2", "d3")) {
                List<Tensor> logits = deviceLogits(global, d, r);
                if (inject && r == 1 && d.equals("d2")) {
                    List<Tensor> bad = new ArrayList<>(logits);
                    float[] x = bad.get(0).data();
                    x[3] = Float.NaN;
                    bad.set(0, new Tensor(bad.get(0).name(), bad.get(0).shape(), x));
                    runner.offer(ReceivedUpdate.of("job-t", r, update(d, as.get(d), SAMPLES.get(d), r), bad, 10, null, new byte[0]));
                }
                if (inject && r == 1 && d.equals("d3")) {
                    runner.offer(ReceivedUpdate.of("job-t", r, update("d9", as.get("d1"), 50, r), logits, 10, null, new byte[0]));
                    runner.offer(ReceivedUpdate.failed("job-t", r, "d3", new Rejection(RejectReason.MALFORMED, "garbage"), 10, null, new byte[]{1, 2}));
                }
                runner.offer(ReceivedUpdate.of("job-t", r, update(d, as.get(d), SAMPLES.get(d), r), logits, 10, null, new byte[0]));
                if (r == 1) sent.add(logits);
                if (inject && r == 1 && d.equals("d1")) {
                    List<Tensor> other = deviceLogits(global, "d1", 99);
                    runner.offer(ReceivedUpdate.of("job-t", r, update(d, as.get(d), SAMPLES.get(d), r), other, 10, null, new byte[0]));
                }
            }
        }
        Patience.await().until(() -> !t.isAlive());
        assertEquals(JobState.COMPLETED, rec.state, rec.reason);
        return new Run(rec, transport, sent);
    }

    @Test
    void meanFusionIsTheSampleWeightedMeanOfTheDeviceLogits() throws Exception {
        assertFusedMean(run("MEAN", "SAMPLES", 1, false), new double[]{100, 300, 600});   // d1, d2, d3 in the order sent
    }

    @Test
    void equalWeightingGivesEveryDeviceOneVote() throws Exception {
        assertFusedMean(run("MEAN", "EQUAL", 1, false), new double[]{1, 1, 1});
    }

    @Test
    void theDefaultWeightingIsTheRootOfTheSampleCount() throws Exception {
        assertFusedMean(run("MEAN", 1, false), new double[]{10, Math.sqrt(300), Math.sqrt(600)});
    }

    private static void assertFusedMean(Run run, double[] w) {
        RoundResult r1 = run.rec.rounds.get(0);
        assertEquals(3, r1.selected());
        assertEquals(3, r1.replied());
        List<Tensor> fused = run.transport.getTensors(r1.fusedLogits());
        double total = w[0] + w[1] + w[2];
        for (int l = 0; l < fused.size(); l++) {
            for (int i = 0; i < fused.get(l).size(); i += 997) {
                double expected = 0;
                for (int d = 0; d < 3; d++) expected += w[d] * run.sent.get(d).get(l).get(i);
                assertEquals(expected / total, fused.get(l).get(i), 1e-5, "layer " + l + " index " + i);
            }
        }
    }

    @Test
    void rejectedUpdatesAreCountedDeadLetteredAndDoNotChangeTheResult() throws Exception {
        Run clean = run("RANK", 2, false);
        Run dirty = run("RANK", 2, true);
        RoundResult r1 = dirty.rec.rounds.get(0), r2 = dirty.rec.rounds.get(1);
        assertEquals(3, r1.replied());
        assertEquals(1, r1.duplicates());
        assertEquals(3, r1.invalid());     // NaN, not selected, undecodable
        assertEquals(0, r1.late());
        assertEquals(1, r2.late());
        assertEquals(List.of(RejectReason.DUPLICATE, RejectReason.NON_FINITE, RejectReason.INVALID_FIELD, RejectReason.MALFORMED,
                RejectReason.LATE), dirty.transport.deadLetters().stream().map(MemoryRoundTransport.DeadLettered::reason).toList());
        for (int r = 0; r < 2; r++) {
            List<Tensor> a = clean.transport.getTensors(clean.rec.rounds.get(r).fusedLogits());
            List<Tensor> b = dirty.transport.getTensors(dirty.rec.rounds.get(r).fusedLogits());
            for (int l = 0; l < a.size(); l++) assertArrayEquals(a.get(l).data(), b.get(l).data(), 0f, "round " + (r + 1));
        }
        for (String tier : clean.rec.artifacts.keySet())
            assertArrayEquals(clean.rec.artifacts.get(tier), dirty.rec.artifacts.get(tier), tier);
    }

    @Test
    void tierMasksKeepExactlyKPerGroupAndAreNested() throws Exception {
        Run run = run("RANK", 1, false);
        // published from the largest tier down, so that an agent applies the first tier that fits
        assertEquals(List.of("keep-0.25", "keep-0.1", "keep-0.05"), run.transport.deployments().stream().map(Deployment::tier).toList());
        Map<String, float[]> prevMasks = null;
        List<Deployment> smallestFirst = new ArrayList<>(run.transport.deployments());
        java.util.Collections.reverse(smallestFirst);
        for (Deployment d : smallestFirst) {
            Safetensors.Contents p = Safetensors.read(run.rec.artifacts.get(d.tier()));
            assertEquals(d.tier(), p.metadata().get(TierKeys.TIER));
            TierFile file = TierFile.read(run.rec.artifacts.get(d.tier()));
            Map<String, float[]> masks = new HashMap<>();
            for (var ls : d.layers()) {
                float[] mask = file.masks().get(ls.layer()).weightMask();
                int n = ls.n(), k = ls.k();
                assertEquals(Integer.toString(k), p.metadata().get(TierKeys.LayerKey.K.of(ls.layer())));
                // hand-computed k: ceil(keep * n); the output layer keeps max(keep, 0.25)
                double keep = ls.layer().equals("fc3") ? Math.max(d.keep(), 0.25) : d.keep();
                assertEquals((int) Math.ceil(Math.round(keep * n * 1e6) / 1e6), k, ls.layer());
                for (int g = 0; g < mask.length / n; g++) {
                    int kept = 0;
                    for (int j = 0; j < n; j++) kept += mask[g * n + j];
                    assertEquals(k, kept, d.tier() + " " + ls.layer() + " group " + g);
                }
                if (prevMasks != null) {
                    float[] smaller = prevMasks.get(ls.layer());
                    for (int i = 0; i < mask.length; i++)
                        assertTrue(smaller[i] <= mask[i], "tier " + d.tier() + " must contain the smaller tier's mask");
                }
                masks.put(ls.layer(), mask);
            }
            prevMasks = masks;
            // the compact model rebuilds to exactly the masked weights
            Model rebuilt = file.model();
            for (var ls : d.layers()) {
                float[] w = MODEL.weight(ls.layer()), rw = rebuilt.weight(ls.layer());
                float[] mask = masks.get(ls.layer());
                for (int i = 0; i < w.length; i++) assertEquals(mask[i] == 1 ? w[i] : 0f, rw[i]);
            }
        }
    }

    @Test
    void theReportRunsBesideTheNextRoundAndTheFusedLogitsBlobIsReused() throws Exception {
        MemoryRoundTransport transport = new MemoryRoundTransport();
        // round 1's tiers are evaluated only once round 2 has started: a loop that evaluated before the next round would stall
        Evaluator waitsForRound2 = masks -> {
            Patience.await().alias("round 2 started while round 1's tiers are evaluated").until(() -> transport.roundStarts().size() >= 2);
            return new Evaluator.Accuracy(OptionalDouble.of(0.5), OptionalDouble.empty());
        };
        Run run = run("RANK", null, 3, false, transport, waitsForRound2);
        assertEquals(3, run.rec.rounds.size());
        for (int r = 1; r < 3; r++) {
            // the next round's global logits are the previous round's fused logits blob, published once
            assertEquals(run.rec.rounds.get(r - 1).fusedLogits(), transport.roundStarts().get(r).globalLogits(), "round " + (r + 1));
            assertEquals(0.5, run.rec.rounds.get(r).tiers().get(0).accuracy().getAsDouble());
        }
    }

    @Test
    void eachTierDeploysTheMasksOfItsBestRoundOnValidation() throws Exception {
        // validation accuracy 0.9 for round 1's tiers, then 0.8, 0.7: round 1 is every tier's best, the last round is not
        java.util.concurrent.atomic.AtomicInteger validations = new java.util.concurrent.atomic.AtomicInteger();
        Evaluator evaluator = masks -> new Evaluator.Accuracy(OptionalDouble.of(0.5),
                OptionalDouble.of(0.9 - 0.1 * (validations.getAndIncrement() / 3)));   // 3 tiers a round, in round order
        MemoryRoundTransport transport = new MemoryRoundTransport();
        Run run = run("RANK", null, 3, false, transport, evaluator);
        assertEquals(9, validations.get(), "each round's tiers once; the deployment reuses the chosen rounds' evaluation");
        JobSpec spec = spec("RANK", null, 3);
        for (var t : run.rec.rounds.get(0).tiers()) {
            assertNotNull(t.masks(), t.tier() + ": round 1 stored its masks");
            assertEquals(0.9, t.metrics().get(io.fedprune.wire.TierResult.VALIDATION_ACCURACY), 1e-12);
            List<Tensor> stored = transport.getTensors(t.masks());
            TierFile file = TierFile.read(run.rec.artifacts.get(t.tier()));
            List<io.fedprune.dpp.MaskSpec> specs = spec.maskSpecs(t.keep());
            var last = run.rec.rounds.get(2).tiers().stream().filter(x -> x.tier().equals(t.tier())).findFirst().orElseThrow();
            assertNull(last.masks(), "round 3 was no better: nothing stored");
            for (int l = 0; l < specs.size(); l++) {
                float[] expected = specs.get(l).expand(stored.get(l).data());
                assertArrayEquals(expected, file.masks().get(specs.get(l).layer()).weightMask(), t.tier() + " " + specs.get(l).layer());
            }
        }
        for (var r : run.rec.rounds.subList(1, 3)) for (var t : r.tiers()) assertNull(t.masks());
        Run lastCut = run("RANK", 3, false);
        for (String tier : lastCut.rec.artifacts.keySet())
            assertFalse(java.util.Arrays.equals(lastCut.rec.artifacts.get(tier), run.rec.artifacts.get(tier)),
                    tier + ": without validation the last round's cut is deployed, and it differs from round 1's");
    }

    @Test
    void updatesFoldedOnSeveralThreadsGiveTheBitsOfTheOneByOneFoldOfTheFirstQuorum() throws Exception {
        // 12 devices, quorum 0.5: all 12 updates arrive at once; the round folds them several at a time and must take
        // exactly the first 6 (one folding thread per core, never more in flight than the quorum still needs)
        FleetRegistry fleet = new FleetRegistry(60_000);
        long now = 1_000_000;
        double[] keeps = {0.05, 0.1, 0.25};
        List<String> devices = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            devices.add(String.format("p%02d", i));
            fleet.seen(new DeviceProfile(devices.get(i), Budget.ofKeep(keeps[i % 3]), 100 + 50 * i, List.of(), "t"), DeviceState.IDLE, now);
        }
        JobSpec spec = JobSpec.builder().pretrainEpochs(0).rounds(1).roundDeadlineMs(60_000L).quorum(0.5).seed(5L).build("job-q");
        MemoryRoundTransport transport = new MemoryRoundTransport();
        Recorder rec = new Recorder();
        JobRunner runner = new JobRunner(spec, MODEL, new BlobRef("model", "0".repeat(64), 1, 1, ""), fleet, transport,
                masks -> new Evaluator.Accuracy(OptionalDouble.of(0.5), OptionalDouble.empty()), rec, () -> now, null);
        Thread t = new Thread(runner);
        t.start();
        Patience.await().until(() -> transport.roundStarts().size() >= 1);
        RoundStart rs = transport.roundStarts().get(0);
        List<Tensor> global = transport.getTensors(rs.globalLogits());
        Map<String, DeviceAssignment> as = new HashMap<>();
        for (DeviceAssignment a : rs.assignments()) as.put(a.deviceId(), a);
        List<UpdateValidator.Accepted> firstSix = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String d = devices.get(i);
            List<Tensor> logits = deviceLogits(global, d, 1);
            runner.offer(ReceivedUpdate.of("job-q", 1, update(d, as.get(d), 100 + 50 * i, 1), logits, 10, null, new byte[0]));
            int[] k = as.get(d).layers().stream().mapToInt(io.fedprune.wire.LayerSpec::k).toArray();
            if (i < 6) firstSix.add(new UpdateValidator.Accepted(d, k, logits.stream().map(Tensor::data).toList(), 100 + 50 * i));
        }
        Patience.await().until(() -> !t.isAlive());
        assertEquals(JobState.COMPLETED, rec.state, rec.reason);
        assertEquals(6, rec.rounds.get(0).replied());
        // the same six folded one by one into one accumulator, as the strategy does without a runner
        PruningStrategy strategy = new PruningStrategy(spec, MODEL, JobLayers.of(spec, MODEL), Evaluator.none());
        PruningStrategy.Fold fold = strategy.begin(java.util.Set.of(), strategy.foldBounds(12, 100 + 50 * 11));
        for (UpdateValidator.Accepted a : firstSix) assertInstanceOf(UpdateValidator.Accepted.class, fold.add(a));
        List<float[]> expected = strategy.fuse(fold, global.stream().map(Tensor::data).toList()).global();
        List<Tensor> actual = transport.getTensors(rec.rounds.get(0).fusedLogits());
        for (int l = 0; l < expected.size(); l++) assertArrayEquals(expected.get(l), actual.get(l).data(), 0f, "layer " + l);
    }

    @Test
    void aRoundWithoutEligibleDevicesFailsTheJobAfterTheDeadline() throws Exception {
        MemoryRoundTransport transport = new MemoryRoundTransport();
        Recorder rec = new Recorder();
        JobSpec spec = JobSpec.builder().pretrainEpochs(0).rounds(1).roundDeadlineMs(300L).build("job-empty");
        AtomicLong clock = new AtomicLong();   // 100 ms pass at every reading: the deadline passes after a few looks
        JobRunner runner = new JobRunner(spec, MODEL, new BlobRef("model", "0".repeat(64), 1, 1, ""), new FleetRegistry(1000),
                transport, Evaluator.none(), rec, () -> clock.addAndGet(100), null);
        runner.run();
        assertEquals(JobState.FAILED, rec.state);
        assertTrue(rec.reason.contains("no eligible device"), rec.reason);
    }
}
