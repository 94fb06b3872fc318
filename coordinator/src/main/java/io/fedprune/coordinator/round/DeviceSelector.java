package io.fedprune.coordinator.round;

import io.fedprune.coordinator.fleet.DeviceRecord;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.dpp.Seeds;
import io.fedprune.wire.Budget;
import io.fedprune.wire.Capabilities;
import io.fedprune.wire.DeviceProfile;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which devices take part in a round, and with which k per layer: the live devices whose budget fits the job, shuffled
 * with the round seed, at most {@code devicesPerRound} of them (0 = all).
 */
public final class DeviceSelector {
    private final JobSpec spec;
    private final List<MaskSpec> baseSpecs;
    private final long modelParams;
    private final java.util.Set<String> operators;

    /**
     * @param spec        the job
     * @param baseSpecs   the job's prunable layers in order (any k: only layer, granularity and n are used)
     * @param modelParams the model's parameter count (devices declaring a smaller {@code max-params} are not selected)
     */
    public DeviceSelector(JobSpec spec, List<MaskSpec> baseSpecs, long modelParams) {
        this(spec, baseSpecs, modelParams, java.util.Set.of());
    }

    /**
     * @param operators the ONNX operator types of an imported model (devices declaring {@code onnx-ops} without all
     *                  of them are not selected); empty for a built-in
     */
    public DeviceSelector(JobSpec spec, List<MaskSpec> baseSpecs, long modelParams, java.util.Set<String> operators) {
        this.spec = spec;
        this.baseSpecs = List.copyOf(baseSpecs);
        this.modelParams = modelParams;
        this.operators = java.util.Set.copyOf(operators);
    }

    /** The selected device ids (sorted) and their k per layer. */
    public Map<String, int[]> select(Collection<DeviceRecord> alive, long roundSeed) {
        List<String> ids = new ArrayList<>();
        Map<String, int[]> ks = new HashMap<>();
        for (DeviceRecord d : alive) {
            Optional<int[]> k = deviceK(d.profile());
            if (k.isPresent()) {
                ids.add(d.profile().deviceId());
                ks.put(d.profile().deviceId(), k.get());
            }
        }
        Collections.sort(ids);
        Collections.shuffle(ids, new Random(roundSeed));
        int m = spec.devicesPerRound() == 0 ? ids.size() : Math.min(spec.devicesPerRound(), ids.size());
        Map<String, int[]> out = new LinkedHashMap<>();
        for (String id : ids.subList(0, m).stream().sorted().toList()) out.put(id, ks.get(id));
        return out;
    }

    /**
     * A device's k per layer: its per-layer k where given (must be in [1, n]), else ceil(keep * n) (the output layer
     * keeping at least outputMinKeep); empty if its budget does not fit this job or it cannot run the model (another
     * built-in, no ONNX import or not every operator of an imported model, or more parameters than its
     * {@code max-params}: {@link Capabilities}).
     */
    public Optional<int[]> deviceK(DeviceProfile p) {
        if (p.sampleCount() < 1) return Optional.empty();
        if (!Capabilities.runs(p.capabilities(), spec.imported() ? null : spec.graph().id(), operators)) return Optional.empty();
        if (!Capabilities.fits(p.capabilities(), modelParams)) return Optional.empty();
        Budget b = p.budget();
        List<MaskSpec> byKeep = b.keep() > 0 ? spec.maskSpecs(b.keep()) : null;
        int[] k = new int[baseSpecs.size()];
        for (int l = 0; l < k.length; l++) {
            MaskSpec s = baseSpecs.get(l);
            Integer explicit = b.kPerLayer().get(s.layer());
            if (explicit != null) {
                if (explicit < 1 || explicit > s.n()) return Optional.empty();
                k[l] = explicit;
            } else if (byKeep != null) {
                k[l] = byKeep.get(l).k();
            } else {
                return Optional.empty();
            }
        }
        return Optional.of(k);
    }

    /**
     * At most {@code max} of the ids, chosen by a shuffle of the sorted ids seeded from the round seed (the same for
     * the same seed, whatever the set's order).
     */
    public static Set<String> sample(Set<String> ids, long roundSeed, int max) {
        List<String> sorted = new ArrayList<>(new TreeSet<>(ids));
        if (sorted.size() <= max) return new HashSet<>(sorted);
        Collections.shuffle(sorted, new Random(Seeds.similaritySample(roundSeed)));
        return new HashSet<>(sorted.subList(0, max));
    }
}
