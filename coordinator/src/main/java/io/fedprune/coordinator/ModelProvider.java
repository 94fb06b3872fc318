package io.fedprune.coordinator;

import io.fedprune.coordinator.job.JobRequest;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.coordinator.round.Evaluator;
import io.fedprune.data.Dataset;
import io.fedprune.data.ImageData;
import io.fedprune.model.DenseConfig;
import io.fedprune.model.Graph;
import io.fedprune.model.Preprocessing;
import io.fedprune.onnx.OnnxImport;
import io.fedprune.wire.BlobRef;
import io.fedprune.model.DenseTrainer;
import io.fedprune.model.Model;
import io.fedprune.model.ModelFile;
import io.fedprune.model.ProgressListener;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.Safetensors;
import io.fedprune.model.Network;
import io.fedprune.model.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.Function;

/**
 * The job's model: an uploaded one (an imported ONNX model, or safetensors weights of a built-in), or a built-in
 * architecture pretrained on the coordinator's data; and the held-out evaluator (the data preprocessed as the model
 * declares): the test split, and a validation split of the last {@code validationSamples} training images, which
 * pretraining then leaves out. Pretraining is deterministic for a given architecture, data, training settings and seed, so a pretrained
 * model is cached under {@code workDir/models}, keyed by all of them ({@link #cacheKey}): the data by its content's
 * SHA-256, so that other data in the same folder, or another folder, never reuses it.
 */
public class ModelProvider {
    private static final Logger LOG = LoggerFactory.getLogger(ModelProvider.class);
    private final Path dataDir;
    private final Path cacheDir;
    private final Function<BlobRef, byte[]> blobs;
    private final int validationSamples;
    private ImageData raw;

    /**
     * @param dataDir  data folder in a layout {@link ImageData} reads (may not exist: then only uploaded models, and no
     *                 held-out evaluation)
     * @param workDir  where pretrained models are cached
     * @param blobs    reads an uploaded model's bytes from its blob (the spec's {@code modelBlob})
     */
    public ModelProvider(Path dataDir, Path workDir, Function<BlobRef, byte[]> blobs) {
        this(dataDir, workDir, blobs, 0);
    }

    /**
     * A provider whose data holds out its last {@code validationSamples} training images (0: none) as the validation
     * split that selects each tier's best round; pretraining leaves them out.
     */
    public ModelProvider(Path dataDir, Path workDir, Function<BlobRef, byte[]> blobs, int validationSamples) {
        if (validationSamples < 0) throw new IllegalArgumentException("validation samples must be >= 0, was " + validationSamples);
        this.dataDir = dataDir;
        this.cacheDir = workDir.resolve("models");
        this.blobs = blobs;
        this.validationSamples = validationSamples;
    }

    /** Whether there is training data to pretrain on. */
    public boolean canPretrain() {
        return dataDir != null && ImageData.present(dataDir);
    }

    /** The data as read (raw values). */
    synchronized ImageData raw() throws IOException {
        if (raw == null) raw = ImageData.load(dataDir);
        return raw;
    }

    /** Raw images as a model with this preprocessing takes them. */
    private static Dataset prepared(Dataset raw, Preprocessing p) {
        return raw.normalized(p.scale(), p.mean(), p.std());
    }

    /**
     * Checks that the coordinator's data (if it has any) fits a model: same image shape and class count; the error
     * names both.
     */
    public void checkFits(Graph g, String model) throws IOException {
        if (canPretrain()) raw().train().checkFits(g.inputShape(), g.classes(), model, dataDir.toString());
    }

    /** The reference to a model blob as a spec holds it ({@code modelBlob}: the reference as JSON). */
    public static BlobRef modelRef(String json) {
        try {
            return Coordinator.JSON.readValue(json, BlobRef.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("bad model blob reference: " + e.getMessage());
        }
    }

    /** A spec's {@code modelBlob} as JSON. */
    public static String modelBlob(BlobRef ref) {
        return Coordinator.JSON.valueToTree(ref).toString();
    }

    /**
     * The graph of a logged job's imported model (read from its blob, named by the job's {@code arch}), or null when
     * its model blob holds a built-in's weights.
     */
    public Graph importedGraph(JobRequest logged) {
        BlobRef ref = modelRef(logged.modelBlob());
        if (!Blobs.ONNX.equals(ref.contentType())) return null;
        byte[] bytes;
        try {
            bytes = blobs.apply(ref);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the model blob " + ref.blobId() + " cannot be read: " + e.getMessage(), e);
        }
        return OnnxImport.read(bytes, logged.arch()).graph();
    }

    /**
     * What a pretrained model depends on, hashed: the architecture, the data's content, the dense training settings,
     * the epochs, the sample count and the seed.
     */
    String cacheKey(JobSpec spec) throws IOException {
        raw();
        DenseConfig training = DenseConfig.DEFAULTS.withEpochs(Math.max(1, spec.pretrainEpochs()));
        String key = String.join("\n", "arch=" + spec.graph().id(), "data=" + raw.sha256(), "training=" + training,
                "epochs=" + spec.pretrainEpochs(), "samples=" + spec.pretrainSamples(), "seed=" + spec.seed());
        if (validationSamples > 0) key += "\nvalidation=" + validationSamples;   // without: the keys of before
        return spec.graph().id() + "-" + Blobs.sha256Hex(key.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    /** The model of a job. */
    public Model model(JobSpec spec) throws IOException {
        return model(spec, () -> false);
    }

    /** Whether the job's model is uploaded or already pretrained in the cache (no pretraining needed). */
    public boolean isCached(JobSpec spec) throws IOException {
        return spec.modelBlob() != null || Files.exists(cachePath(spec));
    }

    private Path cachePath(JobSpec spec) throws IOException {
        return cacheDir.resolve(cacheKey(spec) + ".model");
    }

    /**
     * The model of a job; pretraining stops after the epoch during which {@code cancelled} turned true, with a
     * {@link java.util.concurrent.CancellationException}.
     */
    public Model model(JobSpec spec, java.util.function.BooleanSupplier cancelled) throws IOException {
        return model(spec, cancelled, ProgressListener.NONE);
    }

    /** {@link #model(JobSpec, java.util.function.BooleanSupplier)}; {@code pretraining} hears of every epoch if it has to be pretrained. */
    public Model model(JobSpec spec, java.util.function.BooleanSupplier cancelled, ProgressListener pretraining) throws IOException {
        if (spec.modelBlob() != null) {
            BlobRef ref = modelRef(spec.modelBlob());
            byte[] bytes = blobs.apply(ref);
            return Blobs.ONNX.equals(ref.contentType()) ? OnnxImport.read(bytes, spec.graph().id()) : fromSafetensors(spec.graph(), bytes);
        }
        Path cache = cachePath(spec);
        if (Files.exists(cache)) return ModelFile.read(cache);
        Dataset train = prepared(trainingSplit(), spec.graph().preprocessing());
        if (spec.pretrainSamples() > 0 && spec.pretrainSamples() < train.n()) train = train.head(spec.pretrainSamples());
        Model model = Model.init(spec.graph(), spec.seed());
        if (spec.pretrainEpochs() > 0) {
            LOG.info("pretraining {} for {} epochs on {} images", spec.graph().id(), spec.pretrainEpochs(), train.n());
            model = DenseTrainer.train(model, train, null, DenseConfig.DEFAULTS.withEpochs(spec.pretrainEpochs()), spec.seed(),
                    p -> {
                        pretraining.onEpoch(p);
                        if (cancelled.getAsBoolean())
                            throw new java.util.concurrent.CancellationException("pretraining cancelled after epoch " + p.epoch());
                    });
        }
        ModelFile.write(model, cache);
        return model;
    }

    /** A model from safetensors bytes holding {@code <layer>.weight} and {@code <layer>.bias} of every layer. */
    public Model fromSafetensors(Graph graph, byte[] bytes) {
        List<Tensor> tensors = new ArrayList<>();
        for (Safetensors.Entry e : Safetensors.read(bytes).entries()) tensors.add(e.toTensor());
        return Model.fromTensors(graph, tensors);
    }

    /** The ONNX operator types of a job's imported model (empty for a built-in): what its devices must run. */
    public java.util.Set<String> operators(JobSpec spec) {
        return spec.imported() ? OnnxImport.operators(blobs.apply(modelRef(spec.modelBlob()))) : java.util.Set.of();
    }

    /** The training images pretraining may use: all but the validation split. */
    private Dataset trainingSplit() throws IOException {
        Dataset train = raw().train();
        if (validationSamples == 0) return train;
        if (validationSamples >= train.n())
            throw new IllegalArgumentException("the validation split (" + validationSamples + " images) leaves none of the "
                    + train.n() + " training images of " + dataDir + " for training");
        return train.head(train.n() - validationSamples);
    }

    /**
     * Held-out accuracy of the model under masks: on the first {@code samples} test images (0 = all), and on the
     * validation split if there is one.
     */
    public Evaluator evaluator(Model model, int samples) throws IOException {
        if (!canPretrain()) return Evaluator.none();
        Preprocessing pre = model.graph().preprocessing();
        Dataset test = prepared(raw().test(), pre);
        Dataset held = samples > 0 && samples < test.n() ? test.head(samples) : test;
        trainingSplit();   // the split's size checked
        Dataset validation = validationSamples > 0 ? prepared(raw().train().tail(validationSamples), pre) : null;
        return masks -> {
            Network net = Network.of(model.masked(masks));
            return new Evaluator.Accuracy(OptionalDouble.of(net.evaluate(held).accuracy()),
                    validation == null ? OptionalDouble.empty() : OptionalDouble.of(net.evaluate(validation).accuracy()));
        };
    }
}
