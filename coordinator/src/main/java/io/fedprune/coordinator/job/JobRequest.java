package io.fedprune.coordinator.job;

import io.fedprune.dpp.Granularity;
import io.fedprune.fuse.Fusion;
import io.fedprune.fuse.ServerOptimizer;
import io.fedprune.fuse.Weighting;
import io.fedprune.model.Graph;
import io.fedprune.model.ModelArch;
import io.fedprune.wire.TensorEncoding;
import io.micronaut.core.annotation.Nullable;
import io.swagger.v3.oas.annotations.media.Schema;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The body of {@code POST /jobs} as sent: every field may be omitted (null); {@link #validate} fills in the defaults
 * ({@link JobSpec}'s {@code DEFAULT_*}) and checks every field, giving the typed {@link JobSpec}. Enum fields are
 * case-insensitive names. The same shape (with every field set) is what the REST API shows as a job's spec and what
 * the job log holds ({@link JobLogRecord}).
 *
 * @param id                  job id; assigned by the coordinator (a request's value is ignored)
 * @param arch                built-in architecture: {@code lenet300} or {@code lenet5}; with {@code modelOnnx}, the
 *                            imported model's name (default {@value #IMPORTED_ID})
 * @param pretrainEpochs      epochs of dense training on the coordinator's data when no model is uploaded
 * @param pretrainSamples     training images used for that (0 = all)
 * @param modelSafetensors    an uploaded model instead: safetensors bytes, base64, with {@code <layer>.weight} and
 *                            {@code <layer>.bias} for every layer of {@code arch}; stored as a blob, never logged
 * @param modelBlob           where the uploaded model was stored (set by the coordinator)
 * @param layers              layers to prune and their granularity; default every layer of the model at its default
 *                            granularity (KERNEL for a hidden Conv, WEIGHT for a Gemm/MatMul and the output layer)
 * @param tiers               budget tiers as keep ratios in (0, 1]
 * @param outputMinKeep       the output layer keeps at least this fraction, in [0, 1]
 * @param rounds              rounds, >= 1
 * @param devicesPerRound     devices selected per round (0 = every eligible device)
 * @param quorum              fraction of the selected devices whose updates end a round early, in (0, 1]
 * @param roundDeadlineMs     a round ends at the latest this long after its start, >= 100
 * @param localEpochs         passes over the local data per round, >= 1
 * @param learningRate        Adam learning rate of the logits (reset every round on the device)
 * @param batchSize           >= 1
 * @param temperatureStart    T0 of the linear temperature schedule over the whole job
 * @param temperatureEnd      T1
 * @param entropyWeight       entropy regulariser weight, >= 0
 * @param gumbelScale         Gumbel noise scale, >= 0
 * @param updateEncoding      FLOAT32, FLOAT16 or INT8 (default {@link JobSpec#DEFAULT_UPDATE_ENCODING})
 * @param fusion              RANK, MEAN, INCLUSION, TRIMMED_MEAN or MEDIAN
 * @param weighting           a device's weight in the fusion: SQRT_SAMPLES (the square root of its sample count),
 *                            SAMPLES (its sample count, as FedAvg) or EQUAL (one vote per device)
 * @param trimFraction        TRIMMED_MEAN's trim fraction, in [0, 0.5)
 * @param serverOptimizer     NONE, MOMENTUM or ADAM
 * @param serverLearningRate  the server optimiser's learning rate
 * @param tierProximity       0 (default): every tier is cut from one ranking fused from all devices' votes; p > 0 (at
 *                            most 4): each tier from its own fusion, a device's vote weighted by its usual weight times
 *                            (min(f_d, f_t) / max(f_d, f_t))^p of its kept fraction f_d and the tier's f_t, the tiers
 *                            nested smallest first and the next round's global logits in that nested order
 *                            (docs/MODELS.md); must be 0 with MASK updates
 * @param nestedTraining      true (default): a device trains its logits at every tier of the job within its budget,
 *                            its local steps cycling over them smallest first, so that every device's vote also ranks
 *                            the candidates at the smaller tiers' k (docs/MODELS.md); false: at its own tier's k only
 * @param rowRanks            false (default): devices send their logits only; true: each logits row's ranks too, which
 *                            RANK fusion folds without sorting (about 0.4 ns per logit beyond the sums instead of about
 *                            10 on the coordinator) at 16 more bits per parameter of uplink (docs/BENCHMARKS.md,
 *                            section Fusion); only RANK fusion uses them, so true needs {@code fusion} RANK and an
 *                            update encoding other than MASK
 * @param seed                job seed (device selection, rounds, pretraining)
 * @param modelOnnx           an imported model instead of a built-in: the ONNX file's bytes, base64 (operators and
 *                            layouts of docs/MODELS.md; its weights are trained, so nothing is pretrained); stored as a
 *                            blob that travels to the devices, never logged
 */
public record JobRequest(@Nullable String id,
                         @Nullable String arch,
                         @Nullable Integer pretrainEpochs,
                         @Nullable Integer pretrainSamples,
                         @Nullable String modelSafetensors,
                         @Nullable String modelBlob,
                         @Nullable List<LayerPlan> layers,
                         @Nullable List<Double> tiers,
                         @Nullable Double outputMinKeep,
                         @Nullable Integer rounds,
                         @Nullable Integer devicesPerRound,
                         @Nullable Double quorum,
                         @Nullable Long roundDeadlineMs,
                         @Nullable Integer localEpochs,
                         @Nullable Double learningRate,
                         @Nullable Integer batchSize,
                         @Nullable Double temperatureStart,
                         @Nullable Double temperatureEnd,
                         @Nullable Double entropyWeight,
                         @Nullable Double gumbelScale,
                         @Nullable @Schema(implementation = TensorEncoding.class) String updateEncoding,
                         @Nullable @Schema(implementation = Fusion.class) String fusion,
                         @Nullable @Schema(implementation = Weighting.class) String weighting,
                         @Nullable Double trimFraction,
                         @Nullable @Schema(implementation = ServerOptimizer.Kind.class) String serverOptimizer,
                         @Nullable Double serverLearningRate,
                         @Nullable Double tierProximity,
                         @Nullable Boolean nestedTraining,
                         @Nullable Boolean rowRanks,
                         @Nullable Long seed,
                         @Nullable String modelOnnx) {

    /** The name of an imported model when the request gives none. */
    public static final String IMPORTED_ID = "imported";

    /**
     * One prunable layer as sent.
     *
     * @param layer       layer name, e.g. {@code fc1}
     * @param granularity WEIGHT, KERNEL (convolutions) or FILTER; default KERNEL for a hidden Conv, else WEIGHT
     */
    public record LayerPlan(String layer, @Nullable @Schema(implementation = Granularity.class) String granularity) {
    }

    /** A request with every field omitted: the defaults. */
    public static JobRequest empty() {
        return new JobRequest(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** This request with an imported model: its ONNX file's bytes (sent base64, as over REST). */
    public JobRequest withModelOnnx(byte[] onnx) {
        return withModelOnnx(java.util.Base64.getEncoder().encodeToString(onnx));
    }

    /** This request with an imported model given as base64 text ({@code modelOnnx}). */
    public JobRequest withModelOnnx(String base64) {
        return new JobRequest(id, arch, pretrainEpochs, pretrainSamples, modelSafetensors, modelBlob, layers, tiers,
                outputMinKeep, rounds, devicesPerRound, quorum, roundDeadlineMs, localEpochs, learningRate, batchSize,
                temperatureStart, temperatureEnd, entropyWeight, gumbelScale, updateEncoding, fusion, weighting, trimFraction,
                serverOptimizer, serverLearningRate, tierProximity, nestedTraining, rowRanks, seed, base64);
    }

    /**
     * This request with the defaults filled in and every field checked, without upper bounds.
     *
     * @param jobId the id to give the job
     * @throws InvalidFieldException naming the first bad field
     */
    public JobSpec validate(String jobId) {
        return validate(jobId, JobLimits.NONE, null);
    }

    /**
     * This request with the defaults filled in and every field checked, within {@code limits}.
     *
     * @param jobId  the id to give the job
     * @param limits upper bounds on rounds, epochs, batch size, tiers and devices per round
     * @throws InvalidFieldException naming the first bad field
     */
    public JobSpec validate(String jobId, JobLimits limits) {
        return validate(jobId, limits, null);
    }

    /**
     * {@link #validate(String, JobLimits)} for a model whose graph is given ({@code imported}, read from
     * {@code modelOnnx} or the logged model blob) instead of named by {@code arch}; null = a built-in.
     */
    public JobSpec validate(String jobId, JobLimits limits, Graph imported) {
        if (modelSafetensors != null && modelSafetensors.isBlank())
            throw new InvalidFieldException("modelSafetensors", "must not be blank");
        if (modelOnnx != null && modelOnnx.isBlank())
            throw new InvalidFieldException("modelOnnx", "must not be blank");
        if (modelOnnx != null && modelSafetensors != null)
            throw new InvalidFieldException("modelOnnx", "give either modelOnnx or modelSafetensors, not both");
        JobSpec.Builder b = imported != null ? JobSpec.builder().graph(imported) : JobSpec.builder().arch(parseArch());
        if (layers != null && !layers.isEmpty()) {
            List<JobSpec.LayerPlan> ls = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                LayerPlan p = layers.get(i) == null ? new LayerPlan(null, null) : layers.get(i);
                Granularity g = p.granularity() == null ? null   // the layer's default, JobSpec resolves it
                        : parse("layers[" + i + "].granularity", p.granularity(), JobSpec.GRANULARITIES.toArray(new Granularity[0]));
                ls.add(new JobSpec.LayerPlan(p.layer(), g));
            }
            b.layers(ls);
        }
        if (tiers != null && !tiers.isEmpty()) {
            for (int i = 0; i < tiers.size(); i++)
                if (tiers.get(i) == null) throw new InvalidFieldException("tiers[" + i + "]", "keep must be in (0, 1], was null");
            b.tiers(tiers);
        }
        if (pretrainEpochs != null) b.pretrainEpochs(pretrainEpochs);
        if (pretrainSamples != null) b.pretrainSamples(pretrainSamples);
        if (modelBlob != null) b.modelBlob(modelBlob);
        if (outputMinKeep != null) b.outputMinKeep(outputMinKeep);
        if (rounds != null) b.rounds(rounds);
        if (devicesPerRound != null) b.devicesPerRound(devicesPerRound);
        if (quorum != null) b.quorum(quorum);
        if (roundDeadlineMs != null) b.roundDeadlineMs(roundDeadlineMs);
        if (localEpochs != null) b.localEpochs(localEpochs);
        if (learningRate != null) b.learningRate(learningRate);
        if (batchSize != null) b.batchSize(batchSize);
        if (temperatureStart != null) b.temperatureStart(temperatureStart);
        if (temperatureEnd != null) b.temperatureEnd(temperatureEnd);
        if (entropyWeight != null) b.entropyWeight(entropyWeight);
        if (gumbelScale != null) b.gumbelScale(gumbelScale);
        if (updateEncoding != null) b.updateEncoding(parse("updateEncoding", updateEncoding, TensorEncoding.values()));
        if (fusion != null) b.fusion(parse("fusion", fusion, Fusion.values()));
        if (weighting != null) b.weighting(parse("weighting", weighting, Weighting.values()));
        if (trimFraction != null) b.trimFraction(trimFraction);
        if (serverOptimizer != null) b.serverOptimizer(parse("serverOptimizer", serverOptimizer, ServerOptimizer.Kind.values()));
        if (serverLearningRate != null) b.serverLearningRate(serverLearningRate);
        if (tierProximity != null) b.tierProximity(tierProximity);
        if (nestedTraining != null) b.nestedTraining(nestedTraining);
        if (rowRanks != null) b.rowRanks(rowRanks);
        if (seed != null) b.seed(seed);
        JobSpec spec = b.build(jobId);
        limits.check(spec);
        return spec;
    }

    private ModelArch parseArch() {
        if (arch == null) return JobSpec.DEFAULT_ARCH;
        try {
            return ModelArch.parse(arch);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("arch", "unknown architecture '" + arch + "' (lenet300, lenet5)");
        }
    }

    /** The constant named {@code value} (case-insensitive), or an error naming the field and the allowed names. */
    static <E extends Enum<E>> E parse(String field, String value, E[] allowed) {
        String u = value.toUpperCase(Locale.ROOT);
        for (E e : allowed) if (e.name().equals(u)) return e;
        throw new InvalidFieldException(field, "must be one of " + Arrays.stream(allowed).map(Enum::name).sorted().toList()
                + ", was '" + value + "'");
    }
}
