package io.fedprune.model;

import io.fedprune.data.Mnist;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** The committed real MNIST subset (2000 train / 1000 test), loaded once per JVM. */
final class MiniMnist {
    private static Mnist.Split split;

    private MiniMnist() {
    }

    static synchronized Mnist.Split get() {
        if (split == null) {
            try {
                split = Mnist.load(dir());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return split;
    }

    static Path dir() {
        try {
            return Path.of(MiniMnist.class.getResource("/mnist-mini").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
