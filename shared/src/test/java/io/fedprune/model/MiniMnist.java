package io.fedprune.model;

import io.fedprune.data.Mnist;
import io.fedprune.data.TestData;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The committed real MNIST subset (2000 train / 1000 test), loaded once per JVM. */
final class MiniMnist {
    private static Mnist.Split split;

    private MiniMnist() {
    }

    static synchronized Mnist.Split get() {
        if (split == null) {
            try {
                split = Mnist.load(TestData.mnistMini());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return split;
    }
}
