package io.fedprune.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A labelled train/test split of images read from a directory, with raw values, and the SHA-256 of everything read
 * (so that anything derived from the data, a pretrained model, can be keyed by its content). Three layouts:
 * <ul>
 *   <li>{@code idx}: {@code train-images-idxR-ubyte}, {@code train-labels-idx1-ubyte}, {@code t10k-images-idxR-ubyte},
 *       {@code t10k-labels-idx1-ubyte}, each plain or {@code .gz} (MNIST's names; R = 3 for {@code [n, rows, cols]},
 *       4 for {@code [n, channels, rows, cols]}; any IDX element type for the images);</li>
 *   <li>{@code npy}: {@code x_train.npy}, {@code y_train.npy}, {@code x_test.npy}, {@code y_test.npy} (images
 *       {@code [n, rows, cols]} or {@code [n, channels, rows, cols]}, any numeric dtype; labels integers
 *       {@code [n]});</li>
 *   <li>{@code folder}: {@code train/<class>/*.png|jpg} and {@code test/<class>/*.png|jpg}, see {@link ImageFolder}.</li>
 * </ul>
 * For {@code idx} and {@code npy} the class count is the largest label of either split plus one.
 *
 * @param train  the training split, raw values
 * @param test   the test split, raw values
 * @param layout {@code idx}, {@code npy} or {@code folder}
 * @param sha256 hex SHA-256 over the bytes of every file read, in a fixed order
 */
public record ImageData(Dataset train, Dataset test, String layout, String sha256) {
    private static final Pattern IDX_IMAGES = Pattern.compile("(train|t10k)-images-idx\\d-ubyte(\\.gz)?");

    public ImageData {
        if (train.channels() != test.channels() || train.rows() != test.rows() || train.cols() != test.cols())
            throw new IllegalArgumentException("training images are " + train.shape() + " but test images " + test.shape());
        if (train.classes() != test.classes())
            throw new IllegalArgumentException(train.classes() + " training classes but " + test.classes() + " test classes");
    }

    /** Whether {@code dir} looks like it holds a data set in one of the layouts (its training images exist). */
    public static boolean present(Path dir) {
        if (!Files.isDirectory(dir)) return false;
        if (Files.isRegularFile(dir.resolve("x_train.npy")) || Files.isDirectory(dir.resolve("train"))) return true;
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> IDX_IMAGES.matcher(f.getFileName().toString()).matches());
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads {@code dir} in whichever layout it holds; an error names the layouts when it holds none. */
    public static ImageData load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new IOException("data directory not found: " + dir.toAbsolutePath());
        try {
            return detect(dir);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static ImageData detect(Path dir) throws IOException {
        MessageDigest digest = newDigest();
        if (Files.isRegularFile(dir.resolve("x_train.npy"))) return arrays(dir, "npy", digest);
        if (Files.isDirectory(dir.resolve("train")) && Files.isDirectory(dir.resolve("test"))) {
            Dataset train = ImageFolder.read(dir.resolve("train"), null, digest);
            Dataset test = ImageFolder.read(dir.resolve("test"), ImageFolder.subfolders(dir.resolve("train")), digest);
            return new ImageData(train, test, "folder", HexFormat.of().formatHex(digest.digest()));
        }
        boolean idx;
        try (Stream<Path> files = Files.list(dir)) {
            idx = files.anyMatch(f -> IDX_IMAGES.matcher(f.getFileName().toString()).matches());
        }
        if (idx) return arrays(dir, "idx", digest);
        throw new IOException("no data set in " + dir.toAbsolutePath() + ": expected IDX files (train-images-idx3-ubyte, "
                + "train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, plain or .gz), NumPy files "
                + "(x_train.npy, y_train.npy, x_test.npy, y_test.npy) or image folders (train/<class>/*.png, test/<class>/*.png)");
    }

    /** The IDX or npy layout: four arrays, read in a fixed order into one digest. */
    private static ImageData arrays(Path dir, String layout, MessageDigest digest) throws IOException {
        boolean npy = layout.equals("npy");
        NdArray[] a = new NdArray[4];
        String[] names = npy ? new String[]{"x_train.npy", "y_train.npy", "x_test.npy", "y_test.npy"}
                : new String[]{"train-images-idx", "train-labels-idx1-ubyte", "t10k-images-idx", "t10k-labels-idx1-ubyte"};
        for (int i = 0; i < 4; i++) {
            Path f = npy ? dir.resolve(names[i]) : idxFile(dir, names[i]);
            if (!Files.isRegularFile(f)) throw new IOException("missing " + names[i] + " in " + dir.toAbsolutePath());
            try (InputStream in = new DigestInputStream(Idx.open(f), digest)) {
                a[i] = npy ? Npy.read(in, f.toString()) : Idx.read(in, f.toString());
            }
        }
        int[] trainY = a[1].labels(dir + " (train)"), testY = a[3].labels(dir + " (test)");
        int classes = Math.max(2, 1 + Math.max(max(trainY), max(testY)));
        Dataset train = Dataset.of(a[0], a[1], classes, dir + " (train)");
        Dataset test = Dataset.of(a[2], a[3], classes, dir + " (test)");
        return new ImageData(train, test, layout, HexFormat.of().formatHex(digest.digest()));
    }

    /**
     * The IDX file starting with {@code prefix} ({@code train-images-idx} takes any rank digit and {@code -ubyte}),
     * plain or {@code .gz}; a path that does not exist if there is none.
     */
    private static Path idxFile(Path dir, String prefix) throws IOException {
        if (prefix.endsWith("-ubyte")) return Mnist.find(dir, prefix);
        for (int rank = 1; rank <= 9; rank++) {
            for (String suffix : List.of("", ".gz")) {
                Path p = dir.resolve(prefix + rank + "-ubyte" + suffix);
                if (Files.isRegularFile(p)) return p;
            }
        }
        return dir.resolve(prefix + "3-ubyte");
    }

    private static int max(int[] v) {
        int m = 0;
        for (int x : v) m = Math.max(m, x);
        return m;
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
