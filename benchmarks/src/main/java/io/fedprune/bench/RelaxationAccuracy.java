package io.fedprune.bench;

import io.fedprune.data.Mnist;
import io.fedprune.dpp.Granularity;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.model.DppResult;
import io.fedprune.model.DppTrainer;
import io.fedprune.model.MaskSpecs;
import io.fedprune.model.Model;
import io.fedprune.model.ModelFile;
import io.fedprune.model.ProgressListener;
import io.fedprune.model.TrainConfig;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * MNIST test accuracy of DPP on a dense LeNet-300-100 (weight level, output layer keep >= 25%, the default training
 * settings) for several switch points {@code exactKMax} between the exact relaxation and its continuous limit, per seed:
 * the check behind the default {@link io.fedprune.dpp.DppConfig#DEFAULT_EXACT_K_MAX}.
 *
 * <pre>
 * OMP_NUM_THREADS=1 java --add-modules jdk.incubator.vector -cp "benchmarks/target/classes:benchmarks/target/lib/*" \
 *     io.fedprune.bench.RelaxationAccuracy MODEL MNIST_DIR KEEP EXACT_K_MAX,... SEED,... [EPOCHS=5]
 * </pre>
 * MODEL: a dense LeNet-300-100 as {@code ./fedprune local} caches it ({@code work/models/lenet300-*.model}).
 */
public final class RelaxationAccuracy {
    private RelaxationAccuracy() {
    }

    public static void main(String[] a) throws Exception {
        Model model = ModelFile.read(Path.of(a[0]));
        Mnist.Split split = Mnist.load(Path.of(a[1]));
        double keep = Double.parseDouble(a[2]);
        int epochs = a.length > 5 ? Integer.parseInt(a[5]) : 5;
        List<MaskSpec> specs = MaskSpecs.of(model.graph(), Granularity.WEIGHT, Granularity.WEIGHT, keep, MaskSpecs.OUTPUT_MIN_KEEP);
        TrainConfig d = TrainConfig.DEFAULTS;
        for (String seed : a[4].split(",")) {
            for (String kmax : a[3].split(",")) {
                TrainConfig cfg = new TrainConfig(epochs, d.batchSize(), d.lr(), d.t0(), d.t1(), d.entropyWeight(), Integer.parseInt(kmax),
                        d.gumbelScale(), d.threads(), false, d.weightLr(), 0, false);
                DppResult r = DppTrainer.train(model, split.train(), null, specs, null, cfg, Long.parseLong(seed), ProgressListener.NONE);
                System.out.printf(Locale.ROOT, "keep %.2f exactKMax %s seed %s epochs %d: test accuracy %.2f%%%n", keep, kmax, seed, epochs,
                        100 * DppTrainer.evaluate(model, specs, r.groupMasks(), 0, split.test()).accuracy());
            }
        }
    }
}
