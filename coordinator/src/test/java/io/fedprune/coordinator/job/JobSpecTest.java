package io.fedprune.coordinator.job;

import io.fedprune.dpp.Granularity;
import io.fedprune.fuse.Fusion;
import io.fedprune.fuse.ServerOptimizer;
import io.fedprune.fuse.Weighting;
import io.fedprune.model.ModelArch;
import io.fedprune.wire.TensorEncoding;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/** Every validation rule of a job spec, without HTTP: the field named and the defaults filled in. */
class JobSpecTest {

    private static JobRequest request(UnaryOperator<Object[]> edit) {
        Object[] f = new Object[31];
        f = edit.apply(f);
        return new JobRequest((String) f[0], (String) f[1], (Integer) f[2], (Integer) f[3], (String) f[4], (String) f[5],
                cast(f[6]), cast(f[7]), (Double) f[8], (Integer) f[9], (Integer) f[10], (Double) f[11], (Long) f[12],
                (Integer) f[13], (Double) f[14], (Integer) f[15], (Double) f[16], (Double) f[17], (Double) f[18],
                (Double) f[19], (String) f[20], (String) f[21], (String) f[22], (Double) f[23], (String) f[24],
                (Double) f[25], (Double) f[26], (Boolean) f[27], (Boolean) f[28], (Long) f[29],
                (String) f[30]);
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object o) {
        return (T) o;
    }

    /** The field the validation of a request with components {@code i} and {@code j} set to {@code vi} and {@code vj} rejects. */
    private static String rejected(int i, Object vi, int j, Object vj) {
        JobRequest r = request(f -> {
            f[i] = vi;
            f[j] = vj;
            return f;
        });
        return assertThrows(InvalidFieldException.class, () -> r.validate("j")).field();
    }

    /** The field the validation of a request with component {@code i} set to {@code value} rejects. */
    private static String rejected(int i, Object value) {
        JobRequest r = request(f -> {
            f[i] = value;
            return f;
        });
        return assertThrows(InvalidFieldException.class, () -> r.validate("j"), "component " + i + " = " + value).field();
    }

    @Test
    void anEmptyRequestGetsEveryDefault() {
        JobSpec s = JobRequest.empty().validate("j");
        assertEquals("j", s.id());
        assertEquals(ModelArch.LENET300.graph(), s.graph());
        assertEquals(List.of(new JobSpec.LayerPlan("fc1", Granularity.WEIGHT), new JobSpec.LayerPlan("fc2", Granularity.WEIGHT),
                new JobSpec.LayerPlan("fc3", Granularity.WEIGHT)), s.layers());
        assertEquals(List.of(0.05, 0.1, 0.25), s.tiers());
        assertEquals(2, s.pretrainEpochs());
        assertEquals(5, s.rounds());
        assertEquals(1.0, s.quorum());
        assertEquals(120_000, s.roundDeadlineMs());
        assertEquals(0.2, s.learningRate());
        assertEquals(128, s.batchSize());
        assertEquals(5.0, s.temperatureStart());
        assertEquals(0.5, s.temperatureEnd());
        assertEquals(1e-3, s.entropyWeight());
        assertEquals(1.0, s.gumbelScale());
        assertEquals(TensorEncoding.INT8, s.updateEncoding());
        assertEquals(Fusion.RANK, s.fusion());
        assertEquals(Weighting.SQRT_SAMPLES, s.weighting());
        assertEquals(ServerOptimizer.Kind.NONE, s.serverOptimizer());
        assertEquals(1L, s.seed());
        assertEquals(JobSpec.builder().build("j"), s, "the builder starts from the same defaults");
    }

    @Test
    void theDefaultLayerPlanIsKernelForHiddenConvolutionsAndWeightForDenseLayersEverywhere() throws Exception {
        List<JobSpec.LayerPlan> lenet5 = List.of(new JobSpec.LayerPlan("conv1", Granularity.KERNEL),
                new JobSpec.LayerPlan("conv2", Granularity.KERNEL), new JobSpec.LayerPlan("fc1", Granularity.WEIGHT),
                new JobSpec.LayerPlan("fc2", Granularity.WEIGHT));
        // an uploaded ONNX model with no layers given: the committed example CNN (three Conv, two Gemm)
        byte[] onnx = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("..", "models", "mnist-cnn.onnx"));
        io.fedprune.model.Graph cnn = io.fedprune.onnx.OnnxImport.read(onnx, "mnist-cnn").graph();
        JobSpec imported = JobRequest.empty().withModelOnnx(onnx).validate("j", JobLimits.NONE, cnn);
        assertEquals(List.of(new JobSpec.LayerPlan("conv1", Granularity.KERNEL), new JobSpec.LayerPlan("conv2", Granularity.KERNEL),
                new JobSpec.LayerPlan("conv3", Granularity.KERNEL), new JobSpec.LayerPlan("fc1", Granularity.WEIGHT),
                new JobSpec.LayerPlan("fc2", Granularity.WEIGHT)), imported.layers());
        // the built-in by name, the builder, and layers listed without a granularity: the same per-layer default
        assertEquals(lenet5, request(f -> {
            f[1] = "lenet5";
            return f;
        }).validate("j").layers());
        assertEquals(lenet5, JobSpec.builder().arch(ModelArch.LENET5).build("j").layers());
        assertEquals(List.of(new JobSpec.LayerPlan("conv2", Granularity.KERNEL), new JobSpec.LayerPlan("fc2", Granularity.WEIGHT)),
                request(f -> {
                    f[1] = "lenet5";
                    f[6] = List.of(new JobRequest.LayerPlan("conv2", null), new JobRequest.LayerPlan("fc2", null));
                    return f;
                }).validate("j").layers());
        // the tiers follow the plan: conv2 [32, 16, 3, 3] at KERNEL keeps ceil(0.1 * 16) = 2 of 16 kernels per filter
        io.fedprune.dpp.MaskSpec conv2 = imported.maskSpecs(0.1).get(1);
        assertEquals(Granularity.KERNEL, conv2.granularity());
        assertEquals(16, conv2.n());
        assertEquals(2, conv2.k());
    }

    @Test
    void enumsAreCaseInsensitiveAndTiersSortedAndDistinct() {
        JobSpec s = request(f -> {
            f[1] = "LeNet5";
            f[6] = List.of(new JobRequest.LayerPlan("conv2", "kernel"), new JobRequest.LayerPlan("fc1", null));
            f[7] = Arrays.asList(0.5, 0.1, 0.5);
            f[20] = "int8";
            f[21] = "trimmed_mean";
            f[22] = "equal";
            f[24] = "adam";
            return f;
        }).validate("j");
        assertEquals(ModelArch.LENET5.graph(), s.graph());
        assertEquals(List.of(new JobSpec.LayerPlan("conv2", Granularity.KERNEL), new JobSpec.LayerPlan("fc1", Granularity.WEIGHT)), s.layers());
        assertEquals(List.of(0.1, 0.5), s.tiers());
        assertEquals(TensorEncoding.INT8, s.updateEncoding());
        assertEquals(Fusion.TRIMMED_MEAN, s.fusion());
        assertEquals(Weighting.EQUAL, s.weighting());
        assertEquals(ServerOptimizer.Kind.ADAM, s.serverOptimizer());
    }

    @Test
    void everyRuleNamesItsField() {
        assertEquals("arch", rejected(1, "resnet"));
        assertEquals("pretrainEpochs", rejected(2, -1));
        assertEquals("pretrainSamples", rejected(3, -1));
        assertEquals("modelSafetensors", rejected(4, " "));
        assertEquals("layers[0].layer", rejected(6, List.of(new JobRequest.LayerPlan("fc9", null))));
        assertEquals("layers[0].layer", rejected(6, Arrays.asList((JobRequest.LayerPlan) null)));
        assertEquals("layers[1].layer", rejected(6, List.of(new JobRequest.LayerPlan("fc1", null), new JobRequest.LayerPlan("fc1", "FILTER"))));
        assertEquals("layers[0].granularity", rejected(6, List.of(new JobRequest.LayerPlan("fc1", "TILE"))));
        assertEquals("layers[0].granularity", rejected(6, List.of(new JobRequest.LayerPlan("fc1", "KERNEL"))), "KERNEL on a dense layer");
        assertEquals("tiers[1]", rejected(7, List.of(0.1, 0.0)));
        assertEquals("tiers[0]", rejected(7, List.of(1.5)));
        assertEquals("tiers[0]", rejected(7, Arrays.asList((Double) null)));
        assertEquals("outputMinKeep", rejected(8, -0.1));
        assertEquals("outputMinKeep", rejected(8, 1.1));
        assertEquals("rounds", rejected(9, 0));
        assertEquals("devicesPerRound", rejected(10, -1));
        assertEquals("quorum", rejected(11, 0.0));
        assertEquals("quorum", rejected(11, 1.01));
        assertEquals("roundDeadlineMs", rejected(12, 99L));
        assertEquals("localEpochs", rejected(13, 0));
        assertEquals("learningRate", rejected(14, 0.0));
        assertEquals("learningRate", rejected(14, Double.POSITIVE_INFINITY));
        assertEquals("learningRate", rejected(14, Double.NaN));
        assertEquals("batchSize", rejected(15, 0));
        assertEquals("temperatureStart", rejected(16, -1.0));
        assertEquals("temperatureEnd", rejected(17, 0.0));
        assertEquals("entropyWeight", rejected(18, -1e-9));
        assertEquals("gumbelScale", rejected(19, Double.NaN));
        assertEquals("updateEncoding", rejected(20, "FLOAT64"));
        assertEquals("fusion", rejected(21, "VOTE"));
        assertEquals("weighting", rejected(22, "SQRT"));
        assertEquals("trimFraction", rejected(23, 0.5));
        assertEquals("trimFraction", rejected(23, -0.1));
        assertEquals("serverOptimizer", rejected(24, "SGD"));
        assertEquals("serverLearningRate", rejected(25, 0.0));
        assertEquals("tierProximity", rejected(26, -0.5));
        assertEquals("tierProximity", rejected(26, 4.5));
        assertEquals("tierProximity", rejected(26, Double.NaN));
    }

    @Test
    void tierProximityNeedsUpdatesThatCarryAnOrder() {
        JobSpec.Builder b = JobSpec.builder().tierProximity(1).updateEncoding(io.fedprune.wire.TensorEncoding.MASK);
        assertEquals("tierProximity", assertThrows(InvalidFieldException.class, () -> b.build("j")).field());
        assertEquals(0.0, b.tierProximity(0).build("j").tierProximity());
        assertEquals(JobSpec.DEFAULT_TIER_PROXIMITY, JobSpec.defaults().tierProximity());
    }

    @Test
    void nestedTrainingIsOnUnlessTheRequestSaysFalse() throws Exception {
        assertTrue(JobSpec.defaults().nestedTraining());
        assertEquals(JobSpec.DEFAULT_NESTED_TRAINING, JobRequest.empty().validate("j", JobLimits.NONE).nestedTraining());
        JobRequest off = request(f -> {
            f[27] = false;
            return f;
        });
        assertFalse(off.validate("j", JobLimits.NONE).nestedTraining());
        JobRequest fromJson = new com.fasterxml.jackson.databind.ObjectMapper().readValue("{\"nestedTraining\": false}", JobRequest.class);
        assertFalse(fromJson.validate("j", JobLimits.NONE).nestedTraining());
        assertEquals(Boolean.FALSE, off.validate("j", JobLimits.NONE).toRequest().nestedTraining());
    }

    @Test
    void rowRanksAreOffUnlessTheRequestSaysTrue() throws Exception {
        assertFalse(JobSpec.DEFAULT_ROW_RANKS);
        assertFalse(JobSpec.defaults().rowRanks());
        assertFalse(JobRequest.empty().validate("j", JobLimits.NONE).rowRanks());
        JobRequest on = request(f -> {
            f[28] = true;
            return f;
        });
        JobSpec s = on.validate("j", JobLimits.NONE);
        assertTrue(s.rowRanks());
        assertEquals(Boolean.TRUE, s.toRequest().rowRanks());
        assertEquals(s, s.toRequest().validate("j", JobLimits.NONE));
        assertTrue(s.toBuilder().build("j").rowRanks());
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertTrue(json.readValue("{\"rowRanks\": true}", JobRequest.class).validate("j", JobLimits.NONE).rowRanks());
        JobRequest back = json.readValue(json.writeValueAsBytes(s.toRequest()), JobRequest.class);
        assertEquals(s, back.validate("j", JobLimits.NONE));
    }

    @Test
    void rowRanksNeedRankFusionOfOrderedUpdates() {
        for (Fusion f : Fusion.values()) {
            JobSpec.Builder b = JobSpec.builder().fusion(f).rowRanks(true);
            if (f == Fusion.RANK) assertTrue(b.build("j").rowRanks());
            else {
                InvalidFieldException e = assertThrows(InvalidFieldException.class, () -> b.build("j"), f.name());
                assertEquals("rowRanks", e.field());
                assertTrue(e.getMessage().contains("only RANK fusion uses"), e.getMessage());
            }
            assertFalse(JobSpec.builder().fusion(f).rowRanks(false).build("j").rowRanks(), "false goes with every fusion");
        }
        JobSpec.Builder mask = JobSpec.builder().updateEncoding(TensorEncoding.MASK).rowRanks(true);
        assertEquals("rowRanks", assertThrows(InvalidFieldException.class, () -> mask.build("j")).field());
        assertEquals("rowRanks", rejected(28, true, 21, "MEAN"));
    }

    @Test
    void boundaryValuesAreAccepted() {
        JobSpec s = request(f -> {
            f[8] = 0.0;
            f[11] = 1.0;
            f[12] = 100L;
            f[18] = 0.0;
            f[19] = 0.0;
            f[23] = 0.0;
            f[7] = List.of(1.0);
            return f;
        }).validate("j");
        assertEquals(List.of(1.0), s.tiers());
        assertEquals(100, s.roundDeadlineMs());
    }

    @Test
    void theBuilderChecksTheSameRules() {
        InvalidFieldException e = assertThrows(InvalidFieldException.class, () -> JobSpec.builder().rounds(0).build("j"));
        assertEquals("rounds", e.field());
        e = assertThrows(InvalidFieldException.class,
                () -> JobSpec.builder().layers(List.of(new JobSpec.LayerPlan("fc1", Granularity.TILE))).build("j"));
        assertEquals("layers[0].granularity", e.field());
    }

    @Test
    void aSpecRoundTripsThroughItsRequestShape() {
        JobSpec s = JobSpec.builder().arch(ModelArch.LENET5).fusion(Fusion.MEDIAN).tiers(List.of(0.3)).seed(9).modelBlob("{\"b\":1}").build("j");
        assertEquals(s, s.toRequest().validate("j"));
        assertEquals("lenet5", s.toRequest().arch());
        assertEquals("MEDIAN", s.toRequest().fusion());
    }
}
