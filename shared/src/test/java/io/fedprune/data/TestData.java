package io.fedprune.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Locations of the data committed under test resources (shared's test-jar exports this to the other modules). */
public final class TestData {
    private static final String[] FILES = {Mnist.TRAIN_IMAGES, Mnist.TRAIN_LABELS, Mnist.TEST_IMAGES, Mnist.TEST_LABELS};
    private static Path extracted;

    private TestData() {
    }

    /**
     * A real MNIST subset: the first 2000 training and 1000 test images, standard IDX names, gzip. When the resources
     * sit inside a jar (another module's tests using shared's test-jar) they are copied to a temporary directory once.
     */
    public static synchronized Path mnistMini() {
        URL url = TestData.class.getResource("/mnist-mini/" + Mnist.TEST_LABELS + ".gz");
        if (url == null) throw new IllegalStateException("mnist-mini test resources missing from the class path");
        try {
            if ("file".equals(url.getProtocol())) return Path.of(url.toURI()).getParent();
            if (extracted == null) {
                Path dir = Files.createTempDirectory("mnist-mini");
                for (String f : FILES) {
                    try (InputStream in = TestData.class.getResourceAsStream("/mnist-mini/" + f + ".gz")) {
                        Files.copy(in, dir.resolve(f + ".gz"), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                extracted = dir;
            }
            return extracted;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
