package io.fedprune.data;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Reads the full MNIST fetched by {@code ./fedprune fetch-data} (skipped when it has not been fetched). */
class FullMnistTest {
    @Test
    void readsFetchedMnist() throws Exception {
        Path dir = Path.of(System.getProperty("fedprune.mnist", "../data/mnist"));
        assumeTrue(Files.isRegularFile(dir.resolve(Mnist.TEST_LABELS)) || Files.isRegularFile(dir.resolve(Mnist.TEST_LABELS + ".gz")),
                "full MNIST not fetched (run ./fedprune fetch-data)");
        Mnist.Split s = Mnist.load(dir);
        assertEquals(60_000, s.train().n());
        assertEquals(10_000, s.test().n());
        assertEquals(28, s.train().rows());
        assertEquals(28, s.train().cols());
        assertArrayEquals(new int[]{7, 2, 1, 0, 4}, Arrays.copyOf(s.test().y(), 5));
        int[] counts = new int[10];
        for (int y : s.test().y()) counts[y]++;
        // MNIST test set class counts (LeCun's page): 980 1135 1032 1010 982 892 958 1028 974 1009
        assertArrayEquals(new int[]{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}, counts);
    }
}
