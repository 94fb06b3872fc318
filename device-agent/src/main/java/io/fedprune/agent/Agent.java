package io.fedprune.agent;

import io.fedprune.data.Dataset;
import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.model.DppResult;
import io.fedprune.model.DppTrainer;
import io.fedprune.model.Layer;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.model.Network;
import io.fedprune.model.ProgressListener;
import io.fedprune.model.Tensor;
import io.fedprune.model.TrainConfig;
import io.fedprune.wire.Budget;
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

/**
 * One device: its budget, its private data, and what it does when selected for a round or sent a deployment.
 * No transport: {@link AgentHub} feeds it and sends what it returns, so many agents can share one JVM.
 */
public final class Agent {
    /** Capabilities every agent reports. */
    public static final List<String> CAPABILITIES = List.of("encoding:float32", "encoding:float16", "encoding:int8",
            "model:lenet300", "model:lenet5");
    public static final String VERSION = "0.1.0";

    /**
     * @param deviceId the device id
     * @param budget   keep ratio and/or per-layer k
     * @param train    local training data
     * @param test     local test split (for deployment acks)
     * @param workDir  where the applied tier's artifact is written ({@code <workDir>/<job>/<tier>.safetensors}); null = not written
     */
    public record Settings(String deviceId, Budget budget, Dataset train, Dataset test, java.nio.file.Path workDir) {
        public Settings {
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

    /** The deployment a device settled on. */
    public record Applied(String jobId, String tier, double keep, double accuracy) {
    }

    private final Settings settings;
    private final Map<String, Applied> applied = new HashMap<>();

    public Agent(Settings settings) {
        this.settings = settings;
    }

    public String id() {
        return settings.deviceId();
    }

    public Settings settings() {
        return settings;
    }

    public DeviceProfile profile() {
        return new DeviceProfile(settings.deviceId(), settings.budget(), settings.train().n(), CAPABILITIES, VERSION);
    }

    /** This device's assignment in a round, if it was selected. */
    public Optional<DeviceAssignment> assignment(RoundStart rs) {
        return rs.assignments().stream().filter(a -> a.deviceId().equals(id())).findFirst();
    }

    /**
     * Trains DPP logits under the assigned k, starting from the global logits, with the round's config and a seed
     * derived from (round seed, device id).
     */
    public Trained train(RoundStart rs, DeviceAssignment a, Model model, List<Tensor> globalLogits) {
        List<MaskSpec> specs = specs(model.arch(), a.layers());
        Map<String, float[]> init = new HashMap<>();
        if (globalLogits != null) for (Tensor t : globalLogits) init.put(t.name(), t.data());
        var c = rs.config();
        TrainConfig cfg = new TrainConfig(c.localEpochs(), c.batchSize(), c.learningRate(), c.temperatureStart(),
                c.temperatureEnd(), c.entropyWeight(), TrainConfig.DEFAULTS.exactKMax(),
                c.gumbelScale() > 0 ? c.gumbelScale() : 1.0, 1, false, TrainConfig.DEFAULTS.weightLr(), 0, true);
        long seed = deviceSeed(rs.seed(), id());
        long t0 = System.nanoTime();
        DppResult r = DppTrainer.train(model, settings.train(), specs, init, cfg, seed, ProgressListener.NONE);
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
     * Handles one tier's deployment: if it fits and is larger than the tier already applied for this job, rebuilds
     * the pruned model from the artifact, evaluates it on the local test split and returns the ack; otherwise empty.
     */
    public Optional<DeploymentAck> deploy(String jobId, Deployment d, byte[] artifact) {
        if (!fits(d)) return Optional.empty();
        Applied prev = applied.get(jobId);
        if (prev != null && prev.keep() >= d.keep()) return Optional.empty();
        try {
            Model pruned = TierModel.fromArtifact(artifact);
            if (settings.workDir() != null) {
                java.nio.file.Path p = settings.workDir().resolve(jobId).resolve(d.tier() + ".safetensors");
                java.nio.file.Files.createDirectories(p.getParent());
                java.nio.file.Files.write(p, artifact);
            }
            double acc = Network.of(pruned).evaluate(settings.test()).accuracy();
            applied.put(jobId, new Applied(jobId, d.tier(), d.keep(), acc));
            return Optional.of(new DeploymentAck(id(), d.tier(), true, acc, settings.test().n(), ""));
        } catch (RuntimeException | java.io.IOException e) {
            return Optional.of(new DeploymentAck(id(), d.tier(), false, 0, 0, String.valueOf(e.getMessage())));
        }
    }

    /** The tier applied for a job, if any. */
    public Optional<Applied> applied(String jobId) {
        return Optional.ofNullable(applied.get(jobId));
    }

    static List<MaskSpec> specs(ModelArch arch, List<LayerSpec> layers) {
        List<MaskSpec> out = new ArrayList<>();
        for (LayerSpec l : layers) {
            Layer layer = arch.layer(l.layer());
            MaskSpec s = MaskSpec.ofK(l.layer(), Granularity.valueOf(l.granularity().name()), layer.weightShape(), l.k());
            if (s.n() != l.n()) throw new IllegalArgumentException(l.layer() + ": n=" + l.n() + " does not match the model (" + s.n() + ")");
            out.add(s);
        }
        return out;
    }

    /** The device's seed in a round: a mix of the round seed and the device id. */
    static long deviceSeed(long roundSeed, String deviceId) {
        long h = roundSeed ^ 0x9E3779B97F4A7C15L;
        for (char c : deviceId.toCharArray()) h = (h ^ c) * 0x100000001B3L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        return h ^ (h >>> 33);
    }
}
