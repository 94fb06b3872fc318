package io.fedprune.cli;

import io.fedprune.data.Dataset;
import io.fedprune.data.ImageData;
import io.fedprune.model.Graph;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.model.Preprocessing;
import io.fedprune.onnx.OnnxImport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The model a command names ({@code --model}: a built-in's id or an ONNX file) and the image data it runs on
 * ({@code --data}), read and checked against each other: the one place {@code demo} and {@code local} read them. The
 * data come preprocessed as the model declares. Any problem is a {@link BadInput} with a one-line message (a missing,
 * bad, truncated or unsupported model file, unreadable data, an input shape or class count that does not fit).
 *
 * @param graph    the model's graph
 * @param imported the imported model with its trained weights, or null for a built-in (which is trained here)
 * @param name     how messages name the model: the file as given, or the built-in's id
 * @param train    the training images, preprocessed, the first {@code trainSamples} if that is &gt; 0
 * @param test     the test images, preprocessed, the first {@code testSamples} if that is &gt; 0
 * @param data     the data as read (raw values, layout, content hash)
 */
public record ModelInput(Graph graph, Model imported, String name, Dataset train, Dataset test, ImageData data) {

    /** A problem with a command's model or data, in one line; the command exits 2 with it. */
    public static final class BadInput extends RuntimeException {
        public BadInput(String message) {
            super(message);
        }
    }

    /** Reads the model and the data and checks that they fit each other. */
    public static ModelInput load(String model, Path dataDir, int trainSamples, int testSamples) {
        Model imported = importedModel(model);
        Graph graph;
        try {
            graph = imported != null ? imported.graph() : ModelArch.parse(model).graph();
        } catch (IllegalArgumentException e) {
            throw new BadInput("--model: " + e.getMessage());
        }
        ImageData data;
        try {
            data = ImageData.load(dataDir);
        } catch (IOException | RuntimeException e) {
            throw new BadInput("cannot read the data in " + dataDir + ": " + e.getMessage());
        }
        Preprocessing pre = graph.preprocessing();
        Dataset train = data.train().normalized(pre.scale(), pre.mean(), pre.std());
        Dataset test = data.test().normalized(pre.scale(), pre.mean(), pre.std());
        if (trainSamples > 0) train = train.head(trainSamples);
        if (testSamples > 0) test = test.head(testSamples);
        String name = imported != null ? model : graph.id();
        try {
            train.checkFits(graph.inputShape(), graph.classes(), name, dataDir.toString());
        } catch (IllegalArgumentException e) {
            throw new BadInput(e.getMessage());
        }
        return new ModelInput(graph, imported, name, train, test, data);
    }

    /** The model of {@code --model} if it names an ONNX file (null for a built-in's id); a bad file is a {@link BadInput}. */
    public static Model importedModel(String model) {
        if (!model.toLowerCase(Locale.ROOT).endsWith(".onnx")) return null;
        Path file = Path.of(model);
        if (!Files.isRegularFile(file)) throw new BadInput("model file " + file + " not found");
        try {
            return OnnxImport.load(file);
        } catch (IOException e) {
            throw new BadInput("cannot read " + file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {   // OnnxImportException: one line naming the file and the problem
            throw new BadInput(e.getMessage());
        }
    }

    /** Whether the model is imported (its weights are trained; nothing to pretrain). */
    public boolean isImported() {
        return imported != null;
    }

    /**
     * Stops (a {@link BadInput}) when the dense model's test accuracy is near chance: it does not fit this data, so
     * pruning it would measure nothing.
     */
    public void checkAboveChance(double accuracy, Path dataDir) {
        if (nearChance(accuracy, test.classes()))
            throw new BadInput(String.format(Locale.ROOT, "the dense %s reaches %.2f%% on the test images of %s, not clearly above chance (%.2f%% for %d "
                    + "classes): it does not fit this data, so pruning it would measure nothing", graph.id(), 100 * accuracy,
                    dataDir, 100.0 / test.classes(), test.classes()));
    }

    /**
     * Whether an accuracy is near chance for {@code classes} balanced classes: less than a tenth of the way from chance
     * ({@code 1/classes}) to 100% (19% for 10 classes).
     */
    public static boolean nearChance(double accuracy, int classes) {
        double chance = 1.0 / classes;
        return accuracy < chance + 0.1 * (1 - chance);
    }
}
