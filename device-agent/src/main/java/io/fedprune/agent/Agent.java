package io.fedprune.agent;

import io.fedprune.data.Dataset;
import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.dpp.Seeds;
import io.fedprune.model.DppResult;
import io.fedprune.model.DppTrainer;
import io.fedprune.model.Graph;
import io.fedprune.model.Layer;
import io.fedprune.model.Model;
import io.fedprune.model.Network;
import io.fedprune.model.Preprocessing;
import io.fedprune.model.ProgressListener;
import io.fedprune.model.Tensor;
import io.fedprune.model.TrainConfig;
import io.fedprune.runtime.CompactNetwork;
import io.fedprune.runtime.LayerMask;
import io.fedprune.runtime.TierCompiler;
import io.fedprune.runtime.TierFile;
import io.fedprune.wire.Budget;
import io.fedprune.wire.Capabilities;
import io.fedprune.wire.Deployment;
import io.fedprune.wire.DeploymentAck;
import io.fedprune.wire.DeviceAssignment;
import io.fedprune.wire.DeviceProfile;
import io.fedprune.wire.LayerSpec;
import io.fedprune.wire.LocalMetrics;
import io.fedprune.wire.RoundStart;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * One device: its budget, its private data, and what it does when selected for a round or sent a deployment.
 * No transport: {@link AgentHub} feeds it and sends what it returns, so many agents can share one JVM.
 */
public final class Agent {
    /** Capabilities every agent reports. */
    public static final List<String> CAPABILITIES = List.of("encoding:float32", "encoding:float16", "encoding:int8", "encoding:mask",
            "model:lenet300", "model:lenet5", Capabilities.ONNX_MODELS, Capabilities.onnxOperators(io.fedprune.onnx.OnnxImport.SUPPORTED.keySet()));
    public static final String VERSION = io.fedprune.Version.NUMBER;

    /**
     * @param deviceId the device id
     * @param budget   keep ratio and/or per-layer k
     * @param train    local training data
     * @param test     local test split (for deployment acks)
     * @param workDir  where the applied tier's artifact is written ({@code <workDir>/<job>/<tier>.safetensors}); null = not written
     * @param maxParams the largest model this device runs, in parameters (declared as {@code max-params:N}); 0 = no limit
     * @param prepared  how {@code train} and {@code test} were preprocessed; null = raw values, which the agent
     *                  preprocesses as each job's model declares
     */
    public record Settings(String deviceId, Budget budget, Dataset train, Dataset test, java.nio.file.Path workDir, long maxParams,
                           Preprocessing prepared) {
        /** Settings without a parameter limit, the data preprocessed as the built-ins declare ({@link Preprocessing#MNIST}). */
        public Settings(String deviceId, Budget budget, Dataset train, Dataset test, java.nio.file.Path workDir) {
            this(deviceId, budget, train, test, workDir, 0, Preprocessing.MNIST);
        }

        public Settings {
            if (maxParams < 0) throw new IllegalArgumentException("max-params must be >= 0 (0 = no limit), was " + maxParams);
            if (deviceId == null || deviceId.isBlank()) throw new IllegalArgumentException("deviceId must not be blank");
            Objects.requireNonNull(budget, "budget");
            if (budget.keep() == 0 && budget.kPerLayer().isEmpty()) throw new IllegalArgumentException("budget: give a keep ratio or per-layer k");
            Objects.requireNonNull(train, "train");
            Objects.requireNonNull(test, "test");
            if (train.n() < 1) throw new IllegalArgumentException("device " + deviceId + " has no training samples");
        }
    }

    /** The outcome of local training. */
    public record Trained(List<LayerSpec> kUsed, List<Tensor> logits, LocalMetrics metrics, long trainMs) {
    }

    /**
     * The deployment a device settled on: the tier's compact network (what the device now runs), its local accuracy,
     * the bytes of its parameters and the measured median latency of one inference at batch 1.
     */
    public record Applied(String jobId, String tier, double keep, double accuracy, CompactNetwork network,
                          long parameterBytes, double latencyMicros) {
    }

    /** Single-sample inferences timed for the latency in a deployment ack (the median is reported). */
    static final int LATENCY_RUNS = 31;

    private final Settings settings;
    private final LongSupplier nanoTime;
    private final Map<String, Applied> applied = new HashMap<>();
    /** The raw data preprocessed for the latest model's preprocessing (raw settings only). */
    private volatile Prepared latest;

    private record Prepared(Preprocessing preprocessing, Dataset train, Dataset test) {
    }

    public Agent(Settings settings) {
        this(settings, System::nanoTime);
    }

    /** An agent timing inferences with the given clock (nanoseconds). */
    public Agent(Settings settings, LongSupplier nanoTime) {
        this.settings = settings;
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    public String id() {
        return settings.deviceId();
    }

    public Settings settings() {
        return settings;
    }

    public DeviceProfile profile() {
        List<String> tags = CAPABILITIES;
        if (settings.maxParams() > 0) {
            tags = new java.util.ArrayList<>(CAPABILITIES);
            tags.add(Capabilities.maxParams(settings.maxParams()));
        }
        return new DeviceProfile(settings.deviceId(), settings.budget(), settings.train().n(), tags, VERSION);
    }

    /**
     * The local training and test data as a model with this preprocessing takes them.
     *
     * @throws IllegalStateException if the data came preprocessed otherwise
     */
    Dataset[] data(Preprocessing p) {
        if (settings.prepared() != null) {
            if (!settings.prepared().equals(p))
                throw new IllegalStateException("the local data is preprocessed as " + settings.prepared() + ", the model declares " + p);
            return new Dataset[]{settings.train(), settings.test()};
        }
        Prepared l = latest;
        if (l == null || !l.preprocessing().equals(p)) {
            l = new Prepared(p, settings.train().normalized(p.scale(), p.mean(), p.std()), settings.test().normalized(p.scale(), p.mean(), p.std()));
            latest = l;
        }
        return new Dataset[]{l.train(), l.test()};
    }

    /**
     * Whether this device runs a model: its parameter count within {@code max-params}; empty if so, else the reason.
     * (Operators it does not run fail the import.)
     */
    public Optional<String> refuses(Model model) {
        long params = model.graph().parameterCount();
        if (settings.maxParams() > 0 && params > settings.maxParams())
            return Optional.of("the model has " + params + " parameters, more than this device's max-params " + settings.maxParams());
        return Optional.empty();
    }

    /** This device's assignment in a round, if it was selected. */
    public Optional<DeviceAssignment> assignment(RoundStart rs) {
        return rs.assignments().stream().filter(a -> a.deviceId().equals(id())).findFirst();
    }

    /**
     * Trains DPP logits under the assigned k (and, in turn, the assignment's smaller tiers' k), starting from the
     * global logits, with the round's config and a seed derived from (round seed, device id).
     */
    public Trained train(RoundStart rs, DeviceAssignment a, Model model, List<Tensor> globalLogits) {
        return train(rs, a, model, globalLogits, ProgressListener.NONE);
    }

    /** {@link #train(RoundStart, DeviceAssignment, Model, List)}, telling {@code progress} of every epoch. */
    public Trained train(RoundStart rs, DeviceAssignment a, Model model, List<Tensor> globalLogits, ProgressListener progress) {
        List<MaskSpec> specs = specs(model.graph(), a.layers());
        Map<String, float[]> init = new HashMap<>();
        if (globalLogits != null) for (Tensor t : globalLogits) init.put(t.name(), t.data());
        var c = rs.config();
        TrainConfig cfg = new TrainConfig(c.localEpochs(), c.batchSize(), c.learningRate(), c.temperatureStart(),
                c.temperatureEnd(), c.entropyWeight(), TrainConfig.DEFAULTS.exactKMax(),
                c.gumbelScale() > 0 ? c.gumbelScale() : 1.0, 1, false, TrainConfig.DEFAULTS.weightLr(), 0, true);
        long seed = Seeds.device(rs.seed(), id());
        long t0 = System.nanoTime();
        List<List<MaskSpec>> smaller = a.smallerTiers().stream().map(t -> specs(model.graph(), t)).toList();
        DppResult r = DppTrainer.train(model, data(model.graph().preprocessing())[0], null, specs, smaller, init, cfg, seed, progress);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        List<Tensor> logits = new ArrayList<>();
        for (MaskSpec s : specs) logits.add(new Tensor(s.layer(), new int[]{s.groups(), s.n()}, r.logits().get(s.layer())));
        LocalMetrics m = new LocalMetrics(r.before().loss(), r.after().loss(), r.before().accuracy(), r.after().accuracy(), r.after().n());
        return new Trained(a.layers(), logits, m, ms);
    }

    /** Whether a tier fits this device's budget: its keep (or every layer's k) within the budget. */
    public boolean fits(Deployment d) {
        Budget b = settings.budget();
        for (LayerSpec l : d.layers()) {
            Integer k = b.kPerLayer().get(l.layer());
            if (k != null && l.k() > k) return false;
        }
        return b.keep() == 0 || d.keep() <= b.keep() + 1e-9;
    }

    /**
     * Handles one tier's deployment: if it fits and is larger than the tier already applied for this job, reads and
     * checks the artifact (checksums, format, k-of-n consistency with itself and with the deployment message), builds
     * the compact network, evaluates it on the local test split, times it and returns the ack; otherwise empty. A
     * refused artifact gives a failed ack with the reason, and the previously applied tier stays in place.
     */
    public Optional<DeploymentAck> deploy(String jobId, Deployment d, byte[] artifact) {
        return deploy(jobId, d, artifact, null);
    }

    /** {@link #deploy(String, Deployment, byte[])} of a tier of the model with this graph (null: a built-in the artifact names). */
    public Optional<DeploymentAck> deploy(String jobId, Deployment d, byte[] artifact, Graph graph) {
        if (!fits(d)) return Optional.empty();
        Applied prev = applied.get(jobId);
        if (prev != null && prev.keep() >= d.keep()) return Optional.empty();
        CompactNetwork net;
        Preprocessing pre;
        try {
            TierFile file = TierFile.read(artifact, d.checksums(), graph);
            for (LayerSpec l : d.layers()) {
                LayerMask m = file.masks().get(l.layer());
                if (m == null) throw new IllegalArgumentException(l.layer() + ": the deployment prunes it, the artifact does not");
                if (m.spec().k() != l.k() || m.spec().n() != l.n())
                    throw new IllegalArgumentException(l.layer() + ": the artifact keeps k=" + m.spec().k() + " of n=" + m.spec().n()
                            + ", the deployment says k=" + l.k() + " of n=" + l.n());
            }
            net = file.compile(TierCompiler.Form.COMPACT);
            pre = file.graph().preprocessing();
            if (settings.maxParams() > 0 && net.parameterCount() > settings.maxParams())
                return Optional.of(DeploymentAck.failed(id(), d.tier(), "the tier has " + net.parameterCount()
                        + " parameters, more than this device's max-params " + settings.maxParams()));
        } catch (RuntimeException e) {
            return Optional.of(DeploymentAck.failed(id(), d.tier(), "artifact refused: " + e.getMessage()));
        }
        try {
            if (settings.workDir() != null) {
                java.nio.file.Path p = settings.workDir().resolve(jobId).resolve(d.tier() + ".safetensors");
                java.nio.file.Files.createDirectories(p.getParent());
                java.nio.file.Files.write(p, artifact);
            }
        } catch (java.io.IOException e) {
            return Optional.of(DeploymentAck.failed(id(), d.tier(), "artifact not stored: " + e.getMessage()));
        }
        Dataset[] data;
        try {
            data = data(pre);
        } catch (IllegalStateException e) {
            return Optional.of(DeploymentAck.failed(id(), d.tier(), e.getMessage()));
        }
        double acc = net.accuracy(data[1], Network.EVAL_BATCH);
        double latency = medianLatencyMicros(net, data[1].n() > 0 ? data[1] : data[0]);
        applied.put(jobId, new Applied(jobId, d.tier(), d.keep(), acc, net, net.parameterBytes(), latency));
        return Optional.of(DeploymentAck.applied(id(), d.tier(), acc, data[1].n(), net.parameterBytes(), latency));
    }

    /**
     * Median time of one single-sample inference over the first local test samples, in microseconds, after as many
     * untimed warm-up inferences.
     */
    private double medianLatencyMicros(CompactNetwork net, Dataset test) {
        for (int i = 0; i < LATENCY_RUNS; i++) net.forward(test.x(), i % test.n(), 1);
        long[] t = new long[LATENCY_RUNS];
        for (int i = 0; i < LATENCY_RUNS; i++) {
            long t0 = nanoTime.getAsLong();
            net.forward(test.x(), i % test.n(), 1);
            t[i] = nanoTime.getAsLong() - t0;
        }
        java.util.Arrays.sort(t);
        return Math.max(0, t[LATENCY_RUNS / 2]) / 1000.0;
    }

    /** The tier applied for a job, if any. */
    public Optional<Applied> applied(String jobId) {
        return Optional.ofNullable(applied.get(jobId));
    }

    static List<MaskSpec> specs(Graph graph, List<LayerSpec> layers) {
        List<MaskSpec> out = new ArrayList<>();
        for (LayerSpec l : layers) {
            Layer layer = graph.layer(l.layer());
            MaskSpec s = MaskSpec.ofK(l.layer(), Granularity.valueOf(l.granularity().name()), layer.weightShape(), l.k());
            if (s.n() != l.n()) throw new IllegalArgumentException(l.layer() + ": n=" + l.n() + " does not match the model (" + s.n() + ")");
            out.add(s);
        }
        return out;
    }
}
