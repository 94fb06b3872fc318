package io.fedprune.model;

/**
 * Dense (weight) training settings. The defaults ({@link #DEFAULTS}) reached 98.3% on LeNet-300-100 in the
 * reference prototype.
 *
 * @param epochs    passes over the training data (default 10)
 * @param batchSize mini-batch size (default 128)
 * @param lr        Adam learning rate (default 1e-3)
 * @param cosine    cosine decay of the learning rate from {@code lr} to 0 over the run (default true)
 */
public record DenseConfig(int epochs, int batchSize, double lr, boolean cosine) {

    /** 10 epochs, batch 128, Adam 1e-3, cosine decay. */
    public static final DenseConfig DEFAULTS = new DenseConfig(10, 128, 1e-3, true);

    public DenseConfig {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1: " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1: " + batchSize);
        if (!(lr > 0)) throw new IllegalArgumentException("lr must be > 0: " + lr);
    }

    public DenseConfig withEpochs(int e) {
        return new DenseConfig(e, batchSize, lr, cosine);
    }
}
