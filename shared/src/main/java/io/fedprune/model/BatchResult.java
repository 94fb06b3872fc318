package io.fedprune.model;

/**
 * Outcome of one forward (and possibly backward) pass over a batch.
 *
 * @param loss    mean cross-entropy over the batch
 * @param correct number of samples whose arg-max class equals the label
 * @param size    batch size
 */
public record BatchResult(double loss, int correct, int size) {
    public BatchResult {
        if (size < 0 || correct < 0 || correct > size) throw new IllegalArgumentException("correct must be in [0, size]");
    }
}
