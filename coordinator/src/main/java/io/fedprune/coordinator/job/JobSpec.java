package io.fedprune.coordinator.job;

import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.dpp.TemperatureSchedule;
import io.fedprune.fuse.Fusion;
import io.fedprune.fuse.ServerOptimizer;
import io.fedprune.fuse.Weighting;
import io.fedprune.model.Graph;
import io.fedprune.model.Layer;
import io.fedprune.model.MaskSpecs;
import io.fedprune.model.ModelArch;
import io.fedprune.model.TrainConfig;
import io.fedprune.wire.TensorEncoding;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A validated federated pruning job: every field set and typed. Built from a REST body by
 * {@link JobRequest#validate}, in code by {@link #builder()}; the compact constructor checks every rule and names the
 * field it rejects ({@link InvalidFieldException}). The defaults are the {@code DEFAULT_*} constants here, the one
 * place for them (the REST body, the demo and the tests use them); the training ones are those of
 * {@link TrainConfig#DEFAULTS} and {@link TemperatureSchedule#defaults()}, which the agent uses.
 *
 * <p>Fields (see {@link JobRequest} for their meaning): {@code graph} is the model's structure, a built-in's
 * ({@link ModelArch#graph()}) or an imported ONNX model's; tiers are distinct and ascending; layers name layers of the
 * graph once each, KERNEL only for convolutions; {@code modelBlob} is null unless a model was uploaded (safetensors
 * weights of a built-in, or the ONNX file of an imported model).
 */
public record JobSpec(String id, Graph graph, int pretrainEpochs, int pretrainSamples, String modelBlob,
                      List<LayerPlan> layers, List<Double> tiers, double outputMinKeep, int rounds, int devicesPerRound,
                      double quorum, long roundDeadlineMs, int localEpochs, double learningRate, int batchSize,
                      double temperatureStart, double temperatureEnd, double entropyWeight, double gumbelScale,
                      TensorEncoding updateEncoding, Fusion fusion, Weighting weighting, double trimFraction,
                      ServerOptimizer.Kind serverOptimizer, double serverLearningRate, double tierProximity,
                      boolean nestedTraining, boolean rowRanks, long seed) {

    public static final ModelArch DEFAULT_ARCH = ModelArch.LENET300;
    public static final int DEFAULT_PRETRAIN_EPOCHS = 2;
    public static final int DEFAULT_PRETRAIN_SAMPLES = 0;
    public static final List<Double> DEFAULT_TIERS = List.of(0.05, 0.1, 0.25);
    public static final double DEFAULT_OUTPUT_MIN_KEEP = MaskSpecs.OUTPUT_MIN_KEEP;
    public static final int DEFAULT_ROUNDS = 5;
    public static final int DEFAULT_DEVICES_PER_ROUND = 0;
    public static final double DEFAULT_QUORUM = 1.0;
    public static final long DEFAULT_ROUND_DEADLINE_MS = 120_000;
    public static final int DEFAULT_LOCAL_EPOCHS = 1;
    /** Twice {@link TrainConfig#DEFAULTS}' centralised rate: one local epoch per round needs the larger step. */
    public static final double DEFAULT_LEARNING_RATE = 0.2;
    public static final int DEFAULT_BATCH_SIZE = TrainConfig.DEFAULTS.batchSize();
    public static final double DEFAULT_TEMPERATURE_START = TrainConfig.DEFAULTS.t0();
    public static final double DEFAULT_TEMPERATURE_END = TrainConfig.DEFAULTS.t1();
    public static final double DEFAULT_ENTROPY_WEIGHT = TrainConfig.DEFAULTS.entropyWeight();
    public static final double DEFAULT_GUMBEL_SCALE = TrainConfig.DEFAULTS.gumbelScale();
    /**
     * INT8 (8.5 bits per parameter): over seeds 1-3 of the default demo its tiers' mean accuracy is within 0.1 point of
     * FLOAT32's (docs/BENCHMARKS.md, section Uplink) at a quarter of the bytes.
     */
    public static final TensorEncoding DEFAULT_UPDATE_ENCODING = TensorEncoding.INT8;
    public static final Fusion DEFAULT_FUSION = Fusion.RANK;
    public static final Weighting DEFAULT_WEIGHTING = Weighting.SQRT_SAMPLES;
    public static final double DEFAULT_TRIM_FRACTION = 0.1;
    public static final ServerOptimizer.Kind DEFAULT_SERVER_OPTIMIZER = ServerOptimizer.Kind.NONE;
    public static final double DEFAULT_SERVER_LEARNING_RATE = 1.0;
    /** 0: every tier is cut from the one shared ranking of all devices' votes (see {@link JobRequest#tierProximity}). */
    public static final double DEFAULT_TIER_PROXIMITY = 0;
    /** The largest {@code tierProximity}: beyond it a far device's factor would vanish in the fusion's fixed point. */
    public static final double MAX_TIER_PROXIMITY = 4;
    /** Devices train every tier their budget runs, not only their own (see {@link JobRequest#nestedTraining}). */
    public static final boolean DEFAULT_NESTED_TRAINING = true;
    /**
     * Off: devices' row ranks cost 16 more bits per parameter of uplink (see {@link JobRequest#rowRanks};
     * docs/BENCHMARKS.md, section Fusion).
     */
    public static final boolean DEFAULT_ROW_RANKS = false;
    public static final long DEFAULT_SEED = 1;

    /** The granularities a job may ask for (TILE is not offered). */
    static final Set<Granularity> GRANULARITIES = Set.of(Granularity.WEIGHT, Granularity.KERNEL, Granularity.FILTER);

    /**
     * One prunable layer.
     *
     * @param layer       layer name, e.g. {@code fc1}
     * @param granularity WEIGHT, KERNEL (convolutions) or FILTER; null for the layer's
     *                    {@link MaskSpecs#defaultGranularity} (KERNEL for a hidden convolution, else WEIGHT)
     */
    public record LayerPlan(String layer, Granularity granularity) {
    }

    public JobSpec {
        require("arch", graph != null, "must be given");
        layers = checkLayers(graph, layers);
        tiers = checkTiers(tiers);
        atLeast("pretrainEpochs", pretrainEpochs, 0);
        atLeast("pretrainSamples", pretrainSamples, 0);
        ratio("outputMinKeep", outputMinKeep, true);
        atLeast("rounds", rounds, 1);
        atLeast("devicesPerRound", devicesPerRound, 0);
        ratio("quorum", quorum, false);
        if (roundDeadlineMs < 100) throw new InvalidFieldException("roundDeadlineMs", "must be >= 100, was " + roundDeadlineMs);
        atLeast("localEpochs", localEpochs, 1);
        positive("learningRate", learningRate);
        atLeast("batchSize", batchSize, 1);
        positive("temperatureStart", temperatureStart);
        positive("temperatureEnd", temperatureEnd);
        nonNegative("entropyWeight", entropyWeight);
        nonNegative("gumbelScale", gumbelScale);
        require("updateEncoding", updateEncoding != null, "must be given");
        require("fusion", fusion != null, "must be given");
        require("weighting", weighting != null, "must be given");
        require("trimFraction", trimFraction >= 0 && trimFraction < 0.5, "must be in [0, 0.5), was " + trimFraction);
        require("serverOptimizer", serverOptimizer != null, "must be given");
        positive("serverLearningRate", serverLearningRate);
        require("tierProximity", tierProximity >= 0 && tierProximity <= MAX_TIER_PROXIMITY,
                "must be in [0, " + MAX_TIER_PROXIMITY + "], was " + tierProximity);
        require("tierProximity", tierProximity == 0 || updateEncoding != TensorEncoding.MASK,
                "must be 0 with MASK updates (k-hot masks carry no order to fuse per tier)");
        require("rowRanks", !rowRanks || fusion == Fusion.RANK, "only RANK fusion uses devices' row ranks, fusion is " + fusion);
        require("rowRanks", !rowRanks || updateEncoding != TensorEncoding.MASK, "must be false with MASK updates (masks carry no ranks)");
    }

    /** A builder starting from the defaults (no id). */
    public static Builder builder() {
        return new Builder();
    }

    /** The spec of a request with every field omitted. */
    public static JobSpec defaults() {
        return builder().build("job");
    }

    /** A builder starting from this spec. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** This spec as a request body with every field set (the REST view and the job log's shape); no model bytes. */
    public JobRequest toRequest() {
        return new JobRequest(id, graph.id(), pretrainEpochs, pretrainSamples, null, modelBlob,
                layers.stream().map(p -> new JobRequest.LayerPlan(p.layer(), p.granularity().name())).toList(), tiers,
                outputMinKeep, rounds, devicesPerRound, quorum, roundDeadlineMs, localEpochs, learningRate, batchSize,
                temperatureStart, temperatureEnd, entropyWeight, gumbelScale, updateEncoding.name(), fusion.name(),
                weighting.name(), trimFraction, serverOptimizer.name(), serverLearningRate, tierProximity, nestedTraining, rowRanks, seed, null);
    }

    /** This spec pointing at the blob that holds the uploaded model. */
    public JobSpec withModelBlob(String blobId) {
        return toBuilder().modelBlob(blobId).build(id);
    }

    /**
     * The mask spec of every pruned layer at a keep ratio: {@code k = ceil(keep * n)}, the output layer keeping at
     * least {@code outputMinKeep}. The one place of this rule for tiers, devices and baselines.
     */
    public List<MaskSpec> maskSpecs(double keep) {
        List<MaskSpec> out = new ArrayList<>();
        for (LayerPlan p : layers) {
            Layer l = graph.layer(p.layer());
            out.add(MaskSpec.ofKeep(p.layer(), p.granularity(), l.weightShape(), l.output() ? Math.max(keep, outputMinKeep) : keep));
        }
        return out;
    }

    /** The tier name of a keep ratio, e.g. {@code keep-0.05}. */
    public static String tierName(double keep) {
        return "keep-" + new BigDecimal(Double.toString(keep)).stripTrailingZeros().toPlainString();
    }

    /** Builds a {@link JobSpec}; every setter is optional (the defaults are the {@code DEFAULT_*} constants). */
    public static final class Builder {
        private Graph graph = DEFAULT_ARCH.graph();
        private int pretrainEpochs = DEFAULT_PRETRAIN_EPOCHS, pretrainSamples = DEFAULT_PRETRAIN_SAMPLES;
        private String modelBlob;
        private List<LayerPlan> layers;
        private List<Double> tiers = DEFAULT_TIERS;
        private double outputMinKeep = DEFAULT_OUTPUT_MIN_KEEP;
        private int rounds = DEFAULT_ROUNDS, devicesPerRound = DEFAULT_DEVICES_PER_ROUND;
        private double quorum = DEFAULT_QUORUM;
        private long roundDeadlineMs = DEFAULT_ROUND_DEADLINE_MS;
        private int localEpochs = DEFAULT_LOCAL_EPOCHS, batchSize = DEFAULT_BATCH_SIZE;
        private double learningRate = DEFAULT_LEARNING_RATE, temperatureStart = DEFAULT_TEMPERATURE_START,
                temperatureEnd = DEFAULT_TEMPERATURE_END, entropyWeight = DEFAULT_ENTROPY_WEIGHT, gumbelScale = DEFAULT_GUMBEL_SCALE;
        private TensorEncoding updateEncoding = DEFAULT_UPDATE_ENCODING;
        private Fusion fusion = DEFAULT_FUSION;
        private Weighting weighting = DEFAULT_WEIGHTING;
        private double trimFraction = DEFAULT_TRIM_FRACTION;
        private ServerOptimizer.Kind serverOptimizer = DEFAULT_SERVER_OPTIMIZER;
        private double serverLearningRate = DEFAULT_SERVER_LEARNING_RATE;
        private double tierProximity = DEFAULT_TIER_PROXIMITY;
        private boolean nestedTraining = DEFAULT_NESTED_TRAINING;
        private boolean rowRanks = DEFAULT_ROW_RANKS;
        private long seed = DEFAULT_SEED;

        private Builder() {
        }

        private Builder(JobSpec s) {
            graph = s.graph; pretrainEpochs = s.pretrainEpochs; pretrainSamples = s.pretrainSamples; modelBlob = s.modelBlob;
            layers = s.layers; tiers = s.tiers; outputMinKeep = s.outputMinKeep; rounds = s.rounds;
            devicesPerRound = s.devicesPerRound; quorum = s.quorum; roundDeadlineMs = s.roundDeadlineMs;
            localEpochs = s.localEpochs; learningRate = s.learningRate; batchSize = s.batchSize;
            temperatureStart = s.temperatureStart; temperatureEnd = s.temperatureEnd; entropyWeight = s.entropyWeight;
            gumbelScale = s.gumbelScale; updateEncoding = s.updateEncoding; fusion = s.fusion; weighting = s.weighting;
            trimFraction = s.trimFraction; serverOptimizer = s.serverOptimizer; serverLearningRate = s.serverLearningRate;
            tierProximity = s.tierProximity; nestedTraining = s.nestedTraining; rowRanks = s.rowRanks; seed = s.seed;
        }

        /** A built-in model. */
        public Builder arch(ModelArch v) { graph = v.graph(); return this; }
        /** Any model's graph (an imported one's; its weights come with the upload). */
        public Builder graph(Graph v) { graph = v; return this; }
        public Builder pretrainEpochs(int v) { pretrainEpochs = v; return this; }
        public Builder pretrainSamples(int v) { pretrainSamples = v; return this; }
        public Builder modelBlob(String v) { modelBlob = v; return this; }
        /**
         * The layers to prune; null or empty = every layer of the graph at its {@link MaskSpecs#defaultGranularity}
         * (KERNEL for a hidden convolution, WEIGHT for a Gemm/MatMul and the output layer).
         */
        public Builder layers(List<LayerPlan> v) { layers = v; return this; }
        public Builder tiers(List<Double> v) { tiers = v; return this; }
        public Builder outputMinKeep(double v) { outputMinKeep = v; return this; }
        public Builder rounds(int v) { rounds = v; return this; }
        public Builder devicesPerRound(int v) { devicesPerRound = v; return this; }
        public Builder quorum(double v) { quorum = v; return this; }
        public Builder roundDeadlineMs(long v) { roundDeadlineMs = v; return this; }
        public Builder localEpochs(int v) { localEpochs = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder temperatureStart(double v) { temperatureStart = v; return this; }
        public Builder temperatureEnd(double v) { temperatureEnd = v; return this; }
        public Builder entropyWeight(double v) { entropyWeight = v; return this; }
        public Builder gumbelScale(double v) { gumbelScale = v; return this; }
        public Builder updateEncoding(TensorEncoding v) { updateEncoding = v; return this; }
        public Builder fusion(Fusion v) { fusion = v; return this; }
        public Builder weighting(Weighting v) { weighting = v; return this; }
        public Builder trimFraction(double v) { trimFraction = v; return this; }
        public Builder serverOptimizer(ServerOptimizer.Kind v) { serverOptimizer = v; return this; }
        public Builder serverLearningRate(double v) { serverLearningRate = v; return this; }
        public Builder tierProximity(double v) { tierProximity = v; return this; }
        public Builder nestedTraining(boolean v) { nestedTraining = v; return this; }
        public Builder rowRanks(boolean v) { rowRanks = v; return this; }
        public Builder seed(long v) { seed = v; return this; }

        /** The spec with this id; checks every field. */
        public JobSpec build(String id) {
            return new JobSpec(id, graph, pretrainEpochs, pretrainSamples, modelBlob, layers, tiers, outputMinKeep, rounds,
                    devicesPerRound, quorum, roundDeadlineMs, localEpochs, learningRate, batchSize, temperatureStart,
                    temperatureEnd, entropyWeight, gumbelScale, updateEncoding, fusion, weighting, trimFraction,
                    serverOptimizer, serverLearningRate, tierProximity, nestedTraining, rowRanks, seed);
        }
    }

    /** Whether the model is imported (not a built-in): it travels as its ONNX file. */
    public boolean imported() {
        return ModelArch.of(graph) == null;
    }

    private static List<LayerPlan> checkLayers(Graph a, List<LayerPlan> layers) {
        List<LayerPlan> out = new ArrayList<>();
        if (layers == null || layers.isEmpty()) {
            for (Layer l : a.layers()) out.add(new LayerPlan(l.name(), MaskSpecs.defaultGranularity(l)));
            return List.copyOf(out);
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < layers.size(); i++) {
            LayerPlan p = layers.get(i);
            String f = "layers[" + i + "]";
            if (p == null || p.layer() == null || !a.layerNames().contains(p.layer()))
                throw new InvalidFieldException(f + ".layer", "unknown layer " + (p == null || p.layer() == null ? null : "'" + p.layer() + "'")
                        + " of " + a.id() + " (layers " + a.layerNames() + ")");
            if (!seen.add(p.layer())) throw new InvalidFieldException(f + ".layer", "layer '" + p.layer() + "' listed twice");
            Granularity g = p.granularity() == null ? MaskSpecs.defaultGranularity(a.layer(p.layer())) : p.granularity();
            if (!GRANULARITIES.contains(g))
                throw new InvalidFieldException(f + ".granularity", "must be one of " + GRANULARITIES.stream().map(Enum::name).sorted().toList() + ", was '" + g + "'");
            if (g == Granularity.KERNEL && !a.layer(p.layer()).isConv())
                throw new InvalidFieldException(f + ".granularity", "KERNEL needs a convolution, '" + p.layer() + "' is dense");
            out.add(new LayerPlan(p.layer(), g));
        }
        return List.copyOf(out);
    }

    private static List<Double> checkTiers(List<Double> tiers) {
        List<Double> ts = tiers == null || tiers.isEmpty() ? DEFAULT_TIERS : tiers;
        for (int i = 0; i < ts.size(); i++) {
            Double t = ts.get(i);
            if (t == null || !(t > 0 && t <= 1)) throw new InvalidFieldException("tiers[" + i + "]", "keep must be in (0, 1], was " + t);
        }
        return ts.stream().distinct().sorted().toList();
    }

    private static void require(String field, boolean ok, String message) {
        if (!ok) throw new InvalidFieldException(field, message);
    }

    private static void atLeast(String field, long v, long min) {
        require(field, v >= min, "must be >= " + min + ", was " + v);
    }

    private static void positive(String field, double v) {
        require(field, v > 0 && !Double.isInfinite(v), "must be finite and > 0, was " + v);
    }

    private static void nonNegative(String field, double v) {
        require(field, v >= 0 && !Double.isInfinite(v), "must be finite and >= 0, was " + v);
    }

    private static void ratio(String field, double v, boolean zeroAllowed) {
        require(field, (zeroAllowed ? v >= 0 : v > 0) && v <= 1, "must be in " + (zeroAllowed ? "[0" : "(0") + ", 1], was " + v);
    }
}
