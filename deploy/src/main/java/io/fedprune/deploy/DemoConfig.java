package io.fedprune.deploy;

import io.fedprune.dpp.Granularity;
import io.fedprune.fuse.Fusion;
import io.fedprune.model.MaskSpecs;
import io.fedprune.fuse.ServerOptimizer;
import io.fedprune.fuse.Weighting;
import io.fedprune.wire.TensorEncoding;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the sandbox demo ({@code ./fedprune demo}); the defaults are the documented demo.
 *
 * @param data            folder with the four standard IDX files (plain or .gz); default {@code data/mnist}
 * @param out             report folder; default {@code work/demo}
 * @param work            cache folder (pretrained models); default {@code work}
 * @param json            also write the JSON report here (it is always written to {@code out/report.json}); default none
 * @param bootstrap       use this broker instead of the embedded one; default none (embedded KRaft broker)
 * @param devices         simulated devices; default 10
 * @param rounds          federated rounds; default 20
 * @param budgets         keep ratios spread round-robin over the devices; they are also the deployment tiers;
 *                        default 0.05, 0.10, 0.25
 * @param alpha           Dirichlet label-skew concentration of the split; default 0.5
 * @param model           {@code lenet300} (default) or {@code lenet5}
 * @param granularity     WEIGHT, KERNEL or FILTER for the hidden layers (KERNEL applies to convolutions, dense
 *                        hidden layers then use WEIGHT), or null (default) for the default plan
 *                        ({@link MaskSpecs#defaultGranularity}: KERNEL for a Conv, WEIGHT for a Gemm/MatMul); the output
 *                        layer is always WEIGHT at keep >= 25%
 * @param fusion          RANK (default), MEAN, INCLUSION, TRIMMED_MEAN or MEDIAN
 * @param weighting       a device's weight in the fusion: SQRT_SAMPLES (default), SAMPLES or EQUAL (one vote each)
 * @param serverOptimizer NONE (default), MOMENTUM or ADAM over the fused logits
 * @param encoding        update encoding FLOAT32, FLOAT16, INT8 (default) or MASK
 * @param seed            job seed (split, selection, training); default 1
 * @param pretrainEpochs  dense pretraining epochs of the model (cached); default 10
 * @param trainSamples    use only the first N training images (0 = all); default 0
 * @param testSamples     evaluate on the first N test images (0 = all); default 0
 * @param validationSamples the coordinator holds out the last N training images as its validation split, on which
 *                        every tier deploys its best round (0 = none: the last round's cut); they must lie beyond the
 *                        devices' first {@code trainSamples} images; default 0
 * @param baselineEpochs  epochs of the centralised DPP baseline (0 = skip the baselines); default 5
 * @param trainThreads    agents training at the same time; default 2 (the machine's cores)
 * @param deadlineMs      round deadline; default 600000
 * @param localEpochs     passes over its data per device and round; default 1
 * @param learningRate    Adam learning rate of the devices' logits; default 0.2
 * @param temperatureEnd  the devices' relaxation temperature at the end of the last round (the schedule runs linearly
 *                        from {@code JobSpec.DEFAULT_TEMPERATURE_START} over the whole job); default
 *                        {@code JobSpec.DEFAULT_TEMPERATURE_END}
 * @param tierProximity   each tier from its own fusion, a device's vote weighted by the closeness of its budget to
 *                        the tier, the tiers nested smallest first (p > 0), or the shared ranking (0); default
 *                        {@code JobSpec.DEFAULT_TIER_PROXIMITY} (docs/MODELS.md)
 * @param nestedTraining  every device trains its logits at each tier within its budget (true) or at its own tier only;
 *                        default {@code JobSpec.DEFAULT_NESTED_TRAINING} (docs/MODELS.md)
 * @param rowRanks        devices send each logits row's ranks with it, which RANK fusion folds without sorting, at 16
 *                        more bits per parameter of uplink; default {@code JobSpec.DEFAULT_ROW_RANKS} (off)
 * @param kafkaProperties Kafka client properties for the coordinator and the agents ({@code --kafka-config},
 *                        {@code --kafka-property}), e.g. the settings of a secured broker; default none
 */
public record DemoConfig(Path data, Path out, Path work, Path json, String bootstrap, int devices, int rounds,
                         List<Double> budgets, double alpha, String model, Granularity granularity, Fusion fusion,
                         Weighting weighting, ServerOptimizer.Kind serverOptimizer, TensorEncoding encoding, long seed, int pretrainEpochs, int trainSamples,
                         int testSamples, int validationSamples, int baselineEpochs, int trainThreads, long deadlineMs,
                         int localEpochs, double learningRate, double temperatureEnd, double tierProximity,
                         boolean nestedTraining, boolean rowRanks, java.util.Map<String, String> kafkaProperties) {

    public DemoConfig {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(work, "work");
        if (devices < 1) throw new IllegalArgumentException("--devices must be >= 1, was " + devices);
        if (rounds < 1) throw new IllegalArgumentException("--rounds must be >= 1, was " + rounds);
        if (budgets == null || budgets.isEmpty()) throw new IllegalArgumentException("--budgets must list at least one keep ratio");
        for (double b : budgets) if (!(b > 0 && b <= 1)) throw new IllegalArgumentException("--budgets: keep ratio " + b + " is not in (0, 1]");
        budgets = List.copyOf(budgets);
        if (!(alpha > 0)) throw new IllegalArgumentException("--alpha must be > 0, was " + alpha);
        if (pretrainEpochs < 0 || trainSamples < 0 || testSamples < 0 || validationSamples < 0 || baselineEpochs < 0)
            throw new IllegalArgumentException("epochs and sample limits must be >= 0");
        if (validationSamples > 0 && trainSamples == 0)
            throw new IllegalArgumentException("--validation-samples needs --train-samples: the devices train on the first N training images, "
                    + "the validation split is the last " + validationSamples);
        if (trainThreads < 1) throw new IllegalArgumentException("--train-threads must be >= 1, was " + trainThreads);
        if (localEpochs < 1) throw new IllegalArgumentException("--local-epochs must be >= 1, was " + localEpochs);
        if (!(learningRate > 0)) throw new IllegalArgumentException("--lr must be > 0, was " + learningRate);
        if (!(temperatureEnd > 0) || Double.isInfinite(temperatureEnd))
            throw new IllegalArgumentException("--temperature-end must be finite and > 0, was " + temperatureEnd);
        if (!(tierProximity >= 0 && tierProximity <= io.fedprune.coordinator.job.JobSpec.MAX_TIER_PROXIMITY))
            throw new IllegalArgumentException("--tier-proximity must be in [0, " + io.fedprune.coordinator.job.JobSpec.MAX_TIER_PROXIMITY + "], was " + tierProximity);
        Objects.requireNonNull(fusion, "fusion");
        Objects.requireNonNull(weighting, "weighting");
        Objects.requireNonNull(serverOptimizer, "serverOptimizer");
        Objects.requireNonNull(encoding, "encoding");
        kafkaProperties = java.util.Map.copyOf(kafkaProperties == null ? java.util.Map.of() : kafkaProperties);
    }

    /** The budget of device {@code i} (round-robin over the budgets). */
    public double budgetOf(int i) {
        return budgets.get(i % budgets.size());
    }

    /** The distinct budgets, ascending: the deployment tiers. */
    public List<Double> tiers() {
        return budgets.stream().distinct().sorted().toList();
    }
}
