package io.fedprune.coordinator;

import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.coordinator.round.Evaluator;
import io.fedprune.data.Dataset;
import io.fedprune.data.Mnist;
import io.fedprune.model.DenseConfig;
import io.fedprune.model.DenseTrainer;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.model.ModelFile;
import io.fedprune.wire.Safetensors;
import io.fedprune.model.Network;
import io.fedprune.model.ProgressListener;
import io.fedprune.model.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.Function;

/**
 * The job's model: an uploaded one, or a built-in architecture pretrained on the coordinator's data (deterministic
 * for a given arch, epochs, samples and seed, cached under {@code workDir/models}); and the held-out evaluator.
 */
public class ModelProvider {
    private static final Logger LOG = LoggerFactory.getLogger(ModelProvider.class);
    private final Path dataDir;
    private final Path cacheDir;
    private final Function<String, byte[]> blobs;
    private Mnist.Split data;

    /**
     * @param dataDir  MNIST IDX folder (may not exist: then only uploaded models, and no held-out evaluation)
     * @param workDir  where pretrained models are cached
     * @param blobs    reads an uploaded model's bytes from its blob (the spec's {@code modelBlob})
     */
    public ModelProvider(Path dataDir, Path workDir, Function<String, byte[]> blobs) {
        this.dataDir = dataDir;
        this.cacheDir = workDir.resolve("models");
        this.blobs = blobs;
    }

    /** Whether there is training data to pretrain on. */
    public boolean canPretrain() {
        return dataDir != null && (Files.exists(dataDir.resolve(Mnist.TRAIN_IMAGES)) || Files.exists(dataDir.resolve(Mnist.TRAIN_IMAGES + ".gz")));
    }

    synchronized Mnist.Split data() throws IOException {
        if (data == null) data = Mnist.load(dataDir);
        return data;
    }

    /** The model of a job. */
    public Model model(JobSpec spec) throws IOException {
        if (spec.modelBlob() != null) return fromSafetensors(spec.modelArch(), blobs.apply(spec.modelBlob()));
        Path cache = cacheDir.resolve(spec.arch() + "-e" + spec.pretrainEpochs() + "-n" + spec.pretrainSamples() + "-s" + spec.seed() + ".model");
        if (Files.exists(cache)) return ModelFile.read(cache);
        Dataset train = data().train();
        if (spec.pretrainSamples() > 0 && spec.pretrainSamples() < train.n()) train = train.head(spec.pretrainSamples());
        Model model = Model.init(spec.modelArch(), spec.seed());
        if (spec.pretrainEpochs() > 0) {
            LOG.info("pretraining {} for {} epochs on {} images", spec.arch(), spec.pretrainEpochs(), train.n());
            model = DenseTrainer.train(model, train, null, DenseConfig.DEFAULTS.withEpochs(spec.pretrainEpochs()), spec.seed(),
                    ProgressListener.NONE);
        }
        ModelFile.write(model, cache);
        return model;
    }

    /** A model from safetensors bytes holding {@code <layer>.weight} and {@code <layer>.bias} of every layer. */
    public Model fromSafetensors(ModelArch arch, byte[] bytes) {
        List<Tensor> tensors = new ArrayList<>();
        for (Safetensors.Entry e : Safetensors.read(bytes).entries()) tensors.add(e.toTensor());
        return Model.fromTensors(arch, tensors);
    }

    /** Held-out accuracy of the model under masks, on the first {@code samples} test images (0 = all). */
    public Evaluator evaluator(Model model, int samples) throws IOException {
        if (!canPretrain()) return Evaluator.none();
        Dataset test = data().test();
        Dataset held = samples > 0 && samples < test.n() ? test.head(samples) : test;
        return masks -> OptionalDouble.of(Network.of(model.masked(masks)).evaluate(held).accuracy());
    }
}
