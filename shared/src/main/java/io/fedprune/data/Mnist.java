package io.fedprune.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * MNIST: the four standard IDX file names, each plain or gzip-compressed ({@code train-images-idx3-ubyte},
 * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}, optionally with
 * {@code .gz}), and its normalisation {@code (pixel/255 - 0.1307) / 0.3081}, the built-in models' preprocessing.
 */
public final class Mnist {

    /** The standard file names, without {@code .gz}. */
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
    /** Number of classes of MNIST. */
    public static final int CLASSES = 10;
    /** MNIST's pixel mean (of values scaled to [0, 1]). */
    public static final float MEAN = 0.1307f;
    /** MNIST's pixel standard deviation (of values scaled to [0, 1]). */
    public static final float STD = 0.3081f;

    /** A train/test split. */
    public record Split(Dataset train, Dataset test) {
    }

    private Mnist() {
    }

    /** Loads any data set {@link ImageData} reads from {@code dir}, normalised as MNIST. */
    public static Split load(Path dir) throws IOException {
        ImageData d = ImageData.load(dir);
        return new Split(normalize(d.train()), normalize(d.test()));
    }

    /** {@code (pixel/255 - MEAN) / STD}. */
    public static Dataset normalize(Dataset raw) {
        return raw.normalized(1 / 255f, new float[]{MEAN}, new float[]{STD});
    }

    /** The file {@code name} or {@code name.gz} in {@code dir}. */
    static Path find(Path dir, String name) throws IOException {
        Path plain = dir.resolve(name);
        if (Files.isRegularFile(plain)) return plain;
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) return gz;
        throw new IOException("missing " + name + " (or " + name + ".gz) in " + dir.toAbsolutePath());
    }
}
