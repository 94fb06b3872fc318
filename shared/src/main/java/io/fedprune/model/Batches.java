package io.fedprune.model;

import io.fedprune.data.Dataset;

import java.util.Random;

/** Shuffled mini-batches of a {@link Dataset}, gathered into reusable arrays. */
final class Batches {
    final int batchSize, steps;
    final float[] x;
    final int[] y;
    private final Dataset data;
    private final int[] order;
    private final int dim;

    Batches(Dataset data, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1");
        if (data.n() < 1) throw new IllegalArgumentException("data set is empty");
        this.data = data;
        this.batchSize = batchSize;
        this.dim = data.features();
        this.steps = (data.n() + batchSize - 1) / batchSize;
        order = new int[data.n()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        x = new float[batchSize * dim];
        y = new int[batchSize];
    }

    /** Reshuffles the sample order (Fisher-Yates). */
    void shuffle(Random r) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    /** Gathers batch {@code step} of the current order into {@link #x}/{@link #y}; returns its size. */
    int gather(int step) {
        int from = step * batchSize, b = Math.min(batchSize, data.n() - from);
        float[] src = data.x();
        int[] labels = data.y();
        for (int i = 0; i < b; i++) {
            int s = order[from + i];
            System.arraycopy(src, s * dim, x, i * dim, dim);
            y[i] = labels[s];
        }
        return b;
    }
}
