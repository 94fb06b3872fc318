package io.fedprune.coordinator.round;

import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.DeviceAssignment;
import io.fedprune.wire.Granularity;
import io.fedprune.wire.LayerSpec;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.RoundStart;
import io.fedprune.wire.TensorEncoding;
import io.fedprune.wire.TierResult;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The round start and the fold of replies, by hand on LeNet-300-100's output layer only (fc3: 10 groups of 100 inputs),
 * MEAN fusion with EQUAL weighting, so the fused logits are the plain mean.
 */
class PruningStrategyTest {
    private static final Model MODEL = Model.init(ModelArch.LENET300.graph(), 3);
    private static final BlobRef MODEL_REF = new BlobRef("model", "0".repeat(64), 1, 1, "");
    private static final BlobRef LOGITS_REF = new BlobRef("logits", "0".repeat(64), 1, 1, "");

    private static JobSpec spec(String encoding) {
        return JobSpec.builder().pretrainEpochs(0).layers(List.of(new JobSpec.LayerPlan("fc3", io.fedprune.dpp.Granularity.WEIGHT)))
                .tiers(List.of(0.5, 0.25)).rounds(5).quorum(0.5).updateEncoding(TensorEncoding.valueOf(encoding))
                .fusion(io.fedprune.fuse.Fusion.MEAN).weighting(io.fedprune.fuse.Weighting.EQUAL).build("j");
    }

    private static PruningStrategy strategy(String encoding) {
        return strategy(spec(encoding));
    }

    private static PruningStrategy strategy(JobSpec s) {
        return new PruningStrategy(s, MODEL, JobLayers.of(s, MODEL), masks -> new Evaluator.Accuracy(OptionalDouble.of(0.75), OptionalDouble.empty()));
    }

    private static float[] filled(float v) {
        float[] x = new float[1000];
        Arrays.fill(x, v);
        return x;
    }

    @Test
    void theRoundStartAssignsEachDeviceItsKAndTheRoundsSliceOfTheTemperatureSchedule() {
        Map<String, int[]> selected = new LinkedHashMap<>();
        selected.put("d1", new int[]{25});
        selected.put("d2", new int[]{50});
        RoundStart rs = strategy("INT8").configureRound(2, 99, selected, MODEL_REF, LOGITS_REF, 1234);
        assertEquals("lenet300", rs.modelArchitecture());
        assertEquals(List.of(new LayerSpec("fc3", Granularity.WEIGHT, 100, 25)), rs.assignments().get(0).layers());
        assertEquals(List.of(new LayerSpec("fc3", Granularity.WEIGHT, 100, 50)), rs.assignments().get(1).layers());
        // 5 rounds from 5 to 0.5, 0.9 per round: round 2 anneals from 4.1 to 3.2
        assertEquals(4.1, rs.config().temperatureStart(), 1e-12);
        assertEquals(3.2, rs.config().temperatureEnd(), 1e-12);
        assertEquals(TensorEncoding.INT8, rs.config().updateEncoding());
        assertEquals(64, rs.config().int8GroupSize());
        assertEquals(0, strategy("FLOAT32").configureRound(2, 99, selected, MODEL_REF, LOGITS_REF, 1234).config().int8GroupSize());
        assertEquals(99, rs.seed());
        assertEquals(1234, rs.deadlineMs());
        assertEquals(5, rs.totalRounds());
        assertFalse(rs.config().rowRanks(), "by default the coordinator does not ask for row ranks (uplink: docs/BENCHMARKS.md, fusion)");
    }

    @Test
    void theRoundStartAsksForRowRanksIffTheJobDoes() {
        Map<String, int[]> selected = Map.of("d1", new int[]{25});
        JobSpec off = spec("INT8").toBuilder().fusion(io.fedprune.fuse.Fusion.RANK).build("j");   // ranks need RANK fusion
        assertFalse(off.rowRanks());
        assertFalse(strategy(off).configureRound(1, 5, selected, MODEL_REF, LOGITS_REF, 1000).config().rowRanks());
        RoundStart on = strategy(off.toBuilder().rowRanks(true).build("j")).configureRound(1, 5, selected, MODEL_REF, LOGITS_REF, 1000);
        assertTrue(on.config().rowRanks());
        assertEquals(TensorEncoding.INT8, on.config().updateEncoding(), "the rest of the config as without ranks");
        assertEquals(64, on.config().int8GroupSize());
    }

    @Test
    void withNestedTrainingADeviceIsAlsoAssignedTheSmallerTiersWithinItsK() {
        // fc2 [100, 300] at WEIGHT keeps 30 / 75 / 150 of 300 at 10 / 25 / 50%; fc3 [10, 100] at least 25: 25 / 25 / 50
        JobSpec s = JobSpec.builder().pretrainEpochs(0).layers(List.of(new JobSpec.LayerPlan("fc2", io.fedprune.dpp.Granularity.WEIGHT),
                new JobSpec.LayerPlan("fc3", io.fedprune.dpp.Granularity.WEIGHT))).tiers(List.of(0.1, 0.25, 0.5)).build("j");
        assertTrue(s.nestedTraining(), "the default");
        Map<String, int[]> selected = new LinkedHashMap<>();
        selected.put("at-50", new int[]{150, 50});
        selected.put("at-25", new int[]{75, 25});
        selected.put("at-10", new int[]{30, 25});
        selected.put("between", new int[]{100, 30});   // a budget of its own between 25 and 50%
        selected.put("below", new int[]{20, 50});      // fc2 below every tier
        RoundStart rs = strategy(s).configureRound(1, 5, selected, MODEL_REF, LOGITS_REF, 1000);
        List<LayerSpec> t10 = List.of(new LayerSpec("fc2", Granularity.WEIGHT, 300, 30), new LayerSpec("fc3", Granularity.WEIGHT, 100, 25));
        List<LayerSpec> t25 = List.of(new LayerSpec("fc2", Granularity.WEIGHT, 300, 75), new LayerSpec("fc3", Granularity.WEIGHT, 100, 25));
        Map<String, List<List<LayerSpec>>> smaller = new LinkedHashMap<>();
        for (DeviceAssignment a : rs.assignments()) smaller.put(a.deviceId(), a.smallerTiers());
        assertEquals(List.of(t10, t25), smaller.get("at-50"));
        assertEquals(List.of(t10), smaller.get("at-25"));
        assertEquals(List.of(), smaller.get("at-10"));
        assertEquals(List.of(t10, t25), smaller.get("between"));
        assertEquals(List.of(), smaller.get("below"));
        RoundStart off = strategy(s.toBuilder().nestedTraining(false).build("j")).configureRound(1, 5, selected, MODEL_REF, LOGITS_REF, 1000);
        for (DeviceAssignment a : off.assignments()) assertEquals(List.of(), a.smallerTiers(), a.deviceId());
    }

    @Test
    void theFoldChecksValuesAndRowRanksAsTypedRejectionsThatChangeNothing() {
        PruningStrategy s = strategy("FLOAT32");
        PruningStrategy.Fold fold = s.begin(Set.of(), s.foldBounds(3, 10));
        float[] nan = filled(1), big = filled(1);
        nan[7] = Float.NaN;
        big[3] = 1e9f;                                                          // beyond |logit| <= 2^16
        int[] notRanks = new int[1000];                                         // every rank 0: a row sums to 0, not n(n-1)
        assertEquals(RejectReason.NON_FINITE, ((UpdateValidator.Rejected) fold.add(new UpdateValidator.Accepted("d1", new int[]{25}, List.of(nan), 10))).reason());
        assertEquals(RejectReason.OVERSIZE, ((UpdateValidator.Rejected) fold.add(new UpdateValidator.Accepted("d1", new int[]{25}, List.of(big), 10))).reason());
        PruningStrategy r = strategy(JobSpec.builder().pretrainEpochs(0).layers(List.of(new JobSpec.LayerPlan("fc3", io.fedprune.dpp.Granularity.WEIGHT)))
                .tiers(List.of(0.5)).rounds(5).fusion(io.fedprune.fuse.Fusion.RANK).build("j"));
        PruningStrategy.Fold rankFold = r.begin(Set.of(), r.foldBounds(3, 10));
        assertEquals(RejectReason.INVALID_FIELD, ((UpdateValidator.Rejected) rankFold.add(
                new UpdateValidator.Accepted("d1", new int[]{25}, List.of(filled(1)), 10, List.of(notRanks)))).reason());
        assertEquals(0, fold.count());
        assertEquals(0, rankFold.count());
    }

    @Test
    void theQuorumIsTheCeilingOfTheFractionOfTheSelected() {
        assertEquals(2, strategy("FLOAT32").quorum(3));   // 0.5 * 3 = 1.5
        assertEquals(2, strategy("FLOAT32").quorum(4));
        assertEquals(1, strategy("FLOAT32").quorum(1));
    }

    @Test
    void twoDevicesFoldIntoTheirMeanWithHandWorkedMetricsAndTiers() {
        PruningStrategy s = strategy("FLOAT32");
        PruningStrategy.Fold fold = s.begin(Set.of("d1", "d2"), s.foldBounds(2, 90));
        assertInstanceOf(UpdateValidator.Accepted.class, fold.add(new UpdateValidator.Accepted("d1", new int[]{25}, List.of(filled(1)), 10)));
        assertInstanceOf(UpdateValidator.Accepted.class, fold.add(new UpdateValidator.Accepted("d2", new int[]{50}, List.of(filled(3)), 90)));
        assertEquals(2, fold.count());
        PruningStrategy.Aggregate a = aggregate(s, fold, List.of(filled(1)));
        assertTrue(a.fused());
        assertArrayEquals(filled(2), a.global().get(0), 0f);                       // (1 + 3) / 2, equal weights
        assertEquals(1.0, a.metrics().get("logits_change"), 1e-12);               // ||2 - 1|| / ||1||
        // equal logits: ties go to the lower index, so d1 keeps inputs 0-24 and d2 0-49 of every row: 250 / 500
        assertEquals(0.5, a.metrics().get("mask_similarity"), 1e-12);
        assertEquals(1.0, a.metrics().get("device_fused_jaccard"), 1e-12);          // the fused top-k is the same prefix
        assertEquals(List.of("keep-0.25", "keep-0.5"), a.tiers().stream().map(TierResult::tier).toList());
        TierResult quarter = a.tiers().get(0);
        assertEquals(25, quarter.layers().get(0).k());
        assertEquals(0.75, quarter.accuracy().getAsDouble());
        assertEquals(0.0, quarter.metrics().get("diversity/fc3"), 1e-12);          // every row keeps the same inputs
        assertEquals(0.0, quarter.metrics().get("confidence/fc3"), 1e-9);          // equal logits: no preference
    }

    /** Every row: 1 on inputs 0-24 (d1's choice at k = 25), else 0; 1.5 on inputs 50-99 (d2's at k = 50), else 0. */
    private static float[] rows(int from, int to, float v) {
        float[] x = new float[1000];
        for (int i = 0; i < x.length; i++) if (i % 100 >= from && i % 100 < to) x[i] = v;
        return x;
    }

    @Test
    void withTierProximityEachTierIsCutFromItsOwnFusionNestedSmallestFirst() {
        PruningStrategy s = strategy(spec("FLOAT32").toBuilder().tierProximity(1).build("j"));
        PruningStrategy.Fold fold = s.begin(Set.of(), s.foldBounds(2, 10));
        fold.add(new UpdateValidator.Accepted("d1", new int[]{25}, List.of(rows(0, 25, 1)), 10));
        fold.add(new UpdateValidator.Accepted("d2", new int[]{50}, List.of(rows(50, 100, 1.5f)), 10));
        PruningStrategy.Aggregate a = aggregate(s, fold, List.of(filled(1)));
        // the plain mean: 0.5 on 0-24, 0 on 25-49, 0.75 on 50-99; its top 25 would be 50-74.
        // keep-0.25 (f = 0.25): d1 x 1, d2 x (0.25 / 0.5) = 0.5: 1/1.5 on 0-24 beats 0.75/1.5 on 50-99, so 0-24.
        // keep-0.5 (f = 0.5): d1 x 0.5, d2 x 1: 1.5/1.5 on 50-99, so 0-24 plus 50-74 (ties to the lower index).
        float[] quarter = a.cuts().get(0).groupMasks().get(0), half = a.cuts().get(1).groupMasks().get(0);
        for (int i = 0; i < 1000; i++) {
            int c = i % 100;
            assertEquals(c < 25 ? 1f : 0f, quarter[i], "keep-0.25, candidate " + i);
            assertEquals(c < 25 || (c >= 50 && c < 75) ? 1f : 0f, half[i], "keep-0.5, candidate " + i);
            // the next global logits: the plain mean's values (50 x 0.75, 25 x 0.5, 25 x 0) in the nested order
            // 0-24, 50-74, then the rest by the plain mean: 75-99, 25-49
            assertEquals(c < 25 || (c >= 50 && c < 75) ? 0.75f : c >= 75 ? 0.5f : 0f, a.global().get(0)[i], 1e-6f, "logit " + i);
        }
    }

    @Test
    void withoutTierProximityTheTiersShareThePlainRanking() {
        PruningStrategy s = strategy("FLOAT32");
        PruningStrategy.Fold fold = s.begin(Set.of(), s.foldBounds(2, 10));
        fold.add(new UpdateValidator.Accepted("d1", new int[]{25}, List.of(rows(0, 25, 1)), 10));
        fold.add(new UpdateValidator.Accepted("d2", new int[]{50}, List.of(rows(50, 100, 1.5f)), 10));
        PruningStrategy.Aggregate a = aggregate(s, fold, List.of(filled(1)));
        float[] quarter = a.cuts().get(0).groupMasks().get(0);
        for (int i = 0; i < 1000; i++) assertEquals(i % 100 >= 50 && i % 100 < 75 ? 1f : 0f, quarter[i], "keep-0.25, candidate " + i);
        assertEquals(0.5f, a.global().get(0)[0], 1e-6f);
    }

    @Test
    void onlyTheSimilaritySampleFeedsTheMaskMetrics() {
        PruningStrategy s = strategy("FLOAT32");
        PruningStrategy.Fold fold = s.begin(Set.of("d1"), s.foldBounds(2, 90));
        fold.add(new UpdateValidator.Accepted("d1", new int[]{25}, List.of(filled(1)), 10));
        fold.add(new UpdateValidator.Accepted("d2", new int[]{50}, List.of(filled(3)), 90));
        PruningStrategy.Aggregate a = aggregate(s, fold, List.of(filled(1)));
        assertEquals(1.0, a.metrics().get("mask_similarity"), 1e-12, "one mask: no pair");
        assertEquals(1.0, a.metrics().get("device_fused_jaccard"), 1e-12);
    }

    @Test
    void aContributionTheFusionRefusesIsRejectedAndChangesNothing() {
        PruningStrategy s = strategy("FLOAT32");
        PruningStrategy.Fold fold = s.begin(Set.of(), s.foldBounds(1, 10));
        var v = assertInstanceOf(UpdateValidator.Rejected.class, fold.add(new UpdateValidator.Accepted("d1", new int[]{101}, List.of(filled(1)), 10)));
        assertEquals(RejectReason.INVALID_FIELD, v.reason());
        assertEquals(0, fold.count());
        PruningStrategy.Aggregate a = aggregate(s, fold, List.of(filled(1)));
        assertFalse(a.fused());
        assertArrayEquals(filled(1), a.global().get(0), 0f);
        assertTrue(a.metrics().isEmpty());
        assertEquals(2, a.tiers().size(), "the tiers are still cut from the previous logits");
    }

    @Test
    void theDeploymentRunsFromTheLargestTierDown() {
        List<PruningStrategy.Packaged> tiers = strategy("FLOAT32").deployment(List.of(filled(1)));
        assertEquals(List.of("keep-0.5", "keep-0.25"), tiers.stream().map(p -> p.tier().result().tier()).toList());
        assertEquals(50, tiers.get(0).tier().result().layers().get(0).k());
        assertTrue(tiers.get(0).artifact().bytes().length > 0);
    }

    @Test
    void aTierWithABestRoundDeploysThatRoundsMasksTheOthersTheLastCut() {
        JobSpec spec = spec("FLOAT32");
        // test accuracy 0.75, validation 0.6: the validation accuracy is a tier metric, the accuracy stays the test one
        PruningStrategy s = new PruningStrategy(spec, MODEL, JobLayers.of(spec, MODEL), masks -> new Evaluator.Accuracy(OptionalDouble.of(0.75), OptionalDouble.of(0.6)));
        // round 3's scores rise with the input index: keep-0.25 keeps inputs 75-99 of every row
        float[] rising = new float[1000];
        for (int i = 0; i < rising.length; i++) rising[i] = i % 100;
        PruningStrategy.Tier round3 = s.evaluateTier(0.25, List.of(rising), List.of(rising));
        assertEquals(0.6, round3.result().metrics().get(TierResult.VALIDATION_ACCURACY), 0);
        assertEquals(0.75, round3.result().accuracy().getAsDouble(), 0);
        TierSelection selection = new TierSelection();
        selection.offer(3, List.of(round3), m -> MODEL_REF);

        // the last round's scores are all equal: a cut keeps the first inputs of every row (ties to the lower index)
        List<PruningStrategy.Packaged> tiers = s.deployment(List.of(filled(1)), selection);
        float[] quarter = tiers.get(1).tier().groupMasks().get(0), half = tiers.get(0).tier().groupMasks().get(0);
        for (int i = 0; i < 1000; i++) {
            assertEquals(i % 100 >= 75 ? 1f : 0f, quarter[i], "keep-0.25 from round 3, candidate " + i);
            assertEquals(i % 100 < 50 ? 1f : 0f, half[i], "keep-0.5 cut from the last scores, candidate " + i);
        }
        assertEquals(MODEL_REF, tiers.get(1).tier().result().masks());
    }

    /** The round's fusion and then its report, as the round loop runs them. */
    private static PruningStrategy.Aggregate aggregate(PruningStrategy s, PruningStrategy.Fold fold, List<float[]> global) {
        return s.report(fold, global, s.fuse(fold, global));
    }
}
