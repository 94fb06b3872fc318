package io.fedprune.coordinator.job;

import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.fuse.Fusion;
import io.fedprune.fuse.ServerOptimizer;
import io.fedprune.fuse.Weighting;
import io.fedprune.model.Layer;
import io.fedprune.model.ModelArch;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A federated pruning job: the body of {@code POST /jobs} and, with its defaults filled in by {@link #validated}, the
 * spec appended to {@code fedprune.jobs}. Every field may be omitted from the request; the defaults are listed here.
 *
 * @param id                  job id; assigned by the coordinator (a request's value is ignored)
 * @param arch                built-in architecture: {@code lenet300} (default) or {@code lenet5}
 * @param pretrainEpochs      epochs of dense training on the coordinator's data when no model is uploaded; default 2
 * @param pretrainSamples     training images used for that (0 = all); default 0
 * @param modelSafetensors    an uploaded model instead: safetensors bytes, base64, with {@code <layer>.weight} and
 *                            {@code <layer>.bias} for every layer of {@code arch}; stored as a blob, never logged
 * @param modelBlob           where the uploaded model was stored (set by the coordinator)
 * @param layers              layers to prune and their granularity; default every layer of the arch at WEIGHT
 * @param tiers               budget tiers as keep ratios in (0, 1], ascending after validation; default 0.05, 0.1, 0.25
 * @param outputMinKeep       the output layer keeps at least this fraction; default 0.25
 * @param rounds              rounds, >= 1; default 5
 * @param devicesPerRound     devices selected per round (0 = every eligible device); default 0
 * @param quorum              fraction of the selected devices whose updates end a round early, in (0, 1]; default 1.0
 * @param roundDeadlineMs     a round ends at the latest this long after its start; default 120000
 * @param localEpochs         passes over the local data per round; default 1
 * @param learningRate        Adam learning rate of the logits (reset every round on the device); default 0.2
 * @param batchSize           default 128
 * @param temperatureStart    T0 of the linear temperature schedule over the whole job; default 5.0
 * @param temperatureEnd      T1; default 0.5
 * @param entropyWeight       entropy regulariser weight; default 1e-3
 * @param gumbelScale         Gumbel noise scale; default 1.0
 * @param updateEncoding      FLOAT32 (default), FLOAT16, INT8 or MASK (each device sends its top-k mask, at most 1 bit
 *                            per parameter; the coordinator then fuses inclusion counts whatever {@code fusion} says)
 * @param fusion              RANK (default), MEAN, INCLUSION, TRIMMED_MEAN or MEDIAN
 * @param weighting           a device's weight in the fusion: SQRT_SAMPLES (the square root of its sample count;
 *                            default), SAMPLES (its sample count, as FedAvg) or EQUAL (one vote per device)
 * @param trimFraction        TRIMMED_MEAN's trim fraction; default 0.1
 * @param serverOptimizer     NONE (default), MOMENTUM or ADAM
 * @param serverLearningRate  the server optimiser's learning rate; default 1.0
 * @param seed                job seed (device selection, rounds, pretraining); default 1
 */
public record JobSpec(String id, String arch, Integer pretrainEpochs, Integer pretrainSamples, String modelSafetensors,
                      String modelBlob, List<LayerPlan> layers, List<Double> tiers, Double outputMinKeep, Integer rounds,
                      Integer devicesPerRound, Double quorum, Long roundDeadlineMs, Integer localEpochs, Double learningRate,
                      Integer batchSize, Double temperatureStart, Double temperatureEnd, Double entropyWeight,
                      Double gumbelScale, String updateEncoding, String fusion, String weighting, Double trimFraction,
                      String serverOptimizer, Double serverLearningRate, Long seed) {

    /**
     * One prunable layer.
     *
     * @param layer       layer name, e.g. {@code fc1}
     * @param granularity WEIGHT (default), KERNEL (convolutions) or FILTER
     */
    public record LayerPlan(String layer, String granularity) {
    }

    private static final Set<String> ENCODINGS = Set.of("FLOAT32", "FLOAT16", "INT8", "MASK");
    private static final Set<String> GRANULARITIES = Set.of("WEIGHT", "KERNEL", "FILTER");

    /** A spec with every field at its default (no id). */
    public static JobSpec defaults() {
        return new JobSpec(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null).validated("job");
    }

    /**
     * This request with defaults filled in and every field checked.
     *
     * @param jobId the id to give the job
     * @throws InvalidFieldException naming the first bad field
     */
    public JobSpec validated(String jobId) {
        ModelArch a;
        try {
            a = ModelArch.parse(or(arch, "lenet300"));
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("arch", "unknown architecture '" + arch + "' (lenet300, lenet5)");
        }
        int pe = atLeast("pretrainEpochs", or(pretrainEpochs, 2), 0);
        int ps = atLeast("pretrainSamples", or(pretrainSamples, 0), 0);
        List<LayerPlan> ls = new ArrayList<>();
        if (layers == null || layers.isEmpty()) {
            for (String name : a.layerNames()) ls.add(new LayerPlan(name, "WEIGHT"));
        } else {
            Set<String> seen = new java.util.HashSet<>();
            for (int i = 0; i < layers.size(); i++) {
                LayerPlan p = layers.get(i);
                String f = "layers[" + i + "]";
                if (p == null || p.layer() == null || !a.layerNames().contains(p.layer()))
                    throw new InvalidFieldException(f + ".layer", "unknown layer " + (p == null ? null : "'" + p.layer() + "'")
                            + " of " + a.id() + " (layers " + a.layerNames() + ")");
                if (!seen.add(p.layer())) throw new InvalidFieldException(f + ".layer", "layer '" + p.layer() + "' listed twice");
                String g = or(p.granularity(), "WEIGHT").toUpperCase(Locale.ROOT);
                if (!GRANULARITIES.contains(g)) throw new InvalidFieldException(f + ".granularity", "must be one of " + GRANULARITIES);
                if (g.equals("KERNEL") && !a.layer(p.layer()).isConv())
                    throw new InvalidFieldException(f + ".granularity", "KERNEL needs a convolution, '" + p.layer() + "' is dense");
                ls.add(new LayerPlan(p.layer(), g));
            }
        }
        List<Double> ts = tiers == null || tiers.isEmpty() ? List.of(0.05, 0.1, 0.25) : tiers;
        for (int i = 0; i < ts.size(); i++) {
            Double t = ts.get(i);
            if (t == null || !(t > 0 && t <= 1)) throw new InvalidFieldException("tiers[" + i + "]", "keep must be in (0, 1], was " + t);
        }
        ts = ts.stream().distinct().sorted().toList();
        double omk = ratio("outputMinKeep", or(outputMinKeep, 0.25), true);
        int rs = atLeast("rounds", or(rounds, 5), 1);
        int dpr = atLeast("devicesPerRound", or(devicesPerRound, 0), 0);
        double q = ratio("quorum", or(quorum, 1.0), false);
        long dl = or(roundDeadlineMs, 120_000L);
        if (dl < 100) throw new InvalidFieldException("roundDeadlineMs", "must be >= 100, was " + dl);
        int le = atLeast("localEpochs", or(localEpochs, 1), 1);
        double lr = positive("learningRate", or(learningRate, 0.2));
        int bs = atLeast("batchSize", or(batchSize, 128), 1);
        double t0 = positive("temperatureStart", or(temperatureStart, 5.0));
        double t1 = positive("temperatureEnd", or(temperatureEnd, 0.5));
        double ew = nonNegative("entropyWeight", or(entropyWeight, 1e-3));
        double gs = nonNegative("gumbelScale", or(gumbelScale, 1.0));
        String enc = oneOf("updateEncoding", or(updateEncoding, "FLOAT32"), ENCODINGS);
        String fu = oneOf("fusion", or(fusion, "RANK"), names(Fusion.values()));
        String we = oneOf("weighting", or(weighting, "SQRT_SAMPLES"), names(Weighting.values()));
        double tf = or(trimFraction, 0.1);
        if (!(tf >= 0 && tf < 0.5)) throw new InvalidFieldException("trimFraction", "must be in [0, 0.5), was " + tf);
        String so = oneOf("serverOptimizer", or(serverOptimizer, "NONE"), names(ServerOptimizer.Kind.values()));
        double slr = positive("serverLearningRate", or(serverLearningRate, 1.0));
        long sd = or(seed, 1L);
        if (modelSafetensors != null && modelSafetensors.isBlank())
            throw new InvalidFieldException("modelSafetensors", "must not be blank");
        return new JobSpec(jobId, a.id(), pe, ps, modelSafetensors, modelBlob, List.copyOf(ls), ts, omk, rs, dpr, q, dl, le,
                lr, bs, t0, t1, ew, gs, enc, fu, we, tf, so, slr, sd);
    }

    /** The architecture (after validation). */
    public ModelArch modelArch() {
        return ModelArch.parse(arch);
    }

    /**
     * The mask spec of every pruned layer at a keep ratio (after validation): {@code k = ceil(keep * n)}, the output
     * layer keeping at least {@code outputMinKeep}. The one place of this rule for tiers, devices and baselines.
     */
    public List<MaskSpec> maskSpecs(double keep) {
        ModelArch a = modelArch();
        List<MaskSpec> out = new ArrayList<>();
        for (LayerPlan p : layers) {
            Layer l = a.layer(p.layer());
            out.add(MaskSpec.ofKeep(p.layer(), Granularity.valueOf(p.granularity()), l.weightShape(),
                    l.output() ? Math.max(keep, outputMinKeep) : keep));
        }
        return out;
    }

    /** This spec without the uploaded model bytes (for the log), pointing at the blob that holds them. */
    public JobSpec withModelBlob(String blobId) {
        return new JobSpec(id, arch, pretrainEpochs, pretrainSamples, null, blobId, layers, tiers, outputMinKeep, rounds,
                devicesPerRound, quorum, roundDeadlineMs, localEpochs, learningRate, batchSize, temperatureStart,
                temperatureEnd, entropyWeight, gumbelScale, updateEncoding, fusion, weighting, trimFraction, serverOptimizer,
                serverLearningRate, seed);
    }

    /**
     * This spec as read back from a job log written before a field existed, with that field set to the value the job
     * ran under then: {@code weighting} SAMPLES (sample-count weighting was the only rule before it became a field).
     */
    public JobSpec upgraded() {
        if (weighting != null) return this;
        return new JobSpec(id, arch, pretrainEpochs, pretrainSamples, modelSafetensors, modelBlob, layers, tiers,
                outputMinKeep, rounds, devicesPerRound, quorum, roundDeadlineMs, localEpochs, learningRate, batchSize,
                temperatureStart, temperatureEnd, entropyWeight, gumbelScale, updateEncoding, fusion, "SAMPLES",
                trimFraction, serverOptimizer, serverLearningRate, seed);
    }

    /** The tier name of a keep ratio, e.g. {@code keep-0.05}. */
    public static String tierName(double keep) {
        return "keep-" + new java.math.BigDecimal(Double.toString(keep)).stripTrailingZeros().toPlainString();
    }

    private static String[] names(Enum<?>[] values) {
        String[] out = new String[values.length];
        for (int i = 0; i < values.length; i++) out[i] = values[i].name();
        return out;
    }

    private static String oneOf(String field, String v, Set<String> allowed) {
        String u = v.toUpperCase(Locale.ROOT);
        if (!allowed.contains(u)) throw new InvalidFieldException(field, "must be one of " + new java.util.TreeSet<>(allowed) + ", was '" + v + "'");
        return u;
    }

    private static String oneOf(String field, String v, String[] allowed) {
        return oneOf(field, v, Set.of(allowed));
    }

    private static <T> T or(T v, T d) {
        return v == null ? d : v;
    }

    private static int atLeast(String field, int v, int min) {
        if (v < min) throw new InvalidFieldException(field, "must be >= " + min + ", was " + v);
        return v;
    }

    private static double positive(String field, double v) {
        if (!(v > 0) || Double.isInfinite(v)) throw new InvalidFieldException(field, "must be finite and > 0, was " + v);
        return v;
    }

    private static double nonNegative(String field, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) throw new InvalidFieldException(field, "must be finite and >= 0, was " + v);
        return v;
    }

    private static double ratio(String field, double v, boolean zeroAllowed) {
        if (!((zeroAllowed ? v >= 0 : v > 0) && v <= 1))
            throw new InvalidFieldException(field, "must be in " + (zeroAllowed ? "[0" : "(0") + ", 1], was " + v);
        return v;
    }
}
