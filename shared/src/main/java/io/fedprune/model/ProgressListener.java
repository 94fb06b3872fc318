package io.fedprune.model;

import java.io.PrintStream;

/** Receives {@link TrainProgress} after each epoch of a training run. */
@FunctionalInterface
public interface ProgressListener {

    /** Ignores progress. */
    ProgressListener NONE = p -> { };

    void onEpoch(TrainProgress progress);

    /** Prints one line per epoch to {@code out}. */
    static ProgressListener printing(PrintStream out) {
        return p -> {
            out.println(p);
            out.flush();
        };
    }
}
