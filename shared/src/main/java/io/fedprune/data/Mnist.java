package io.fedprune.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads MNIST (or any data set in the same layout) from a directory holding the four standard IDX file names,
 * each plain or gzip-compressed: {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
 * {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte} (optionally with {@code .gz}).
 */
public final class Mnist {

    /** The standard file names, without {@code .gz}. */
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
    /** Number of classes of MNIST. */
    public static final int CLASSES = 10;

    /** A train/test split. */
    public record Split(Dataset train, Dataset test) {
    }

    private Mnist() {
    }

    /** Loads the train and test sets from {@code dir}; a clear error names any missing file. */
    public static Split load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new IOException("data directory not found: " + dir.toAbsolutePath());
        Dataset train = Dataset.fromIdx(Idx.read(find(dir, TRAIN_IMAGES)), Idx.read(find(dir, TRAIN_LABELS)), CLASSES, dir + " (train)");
        Dataset test = Dataset.fromIdx(Idx.read(find(dir, TEST_IMAGES)), Idx.read(find(dir, TEST_LABELS)), CLASSES, dir + " (test)");
        if (train.rows() != test.rows() || train.cols() != test.cols()) {
            throw new IOException(dir + ": train images are " + train.rows() + "x" + train.cols() + " but test images " + test.rows() + "x" + test.cols());
        }
        return new Split(train, test);
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
