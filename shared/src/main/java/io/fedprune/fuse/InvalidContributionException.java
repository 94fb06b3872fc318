package io.fedprune.fuse;

/**
 * A contribution an accumulator refused ({@link Accumulator#add}); the accumulator is unchanged. The {@link Problem}
 * lets a caller map it to a typed rejection.
 */
public final class InvalidContributionException extends IllegalArgumentException {
    /** What was wrong. */
    public enum Problem {
        /** A logit is NaN or infinite. */
        NON_FINITE,
        /** A logit, the weight or the number of contributions is beyond the fold's {@link FoldBounds}. */
        OUT_OF_BOUNDS,
        /** A row's ranks sent with the logits do not look like a ranking (range, sum, spread: {@link RowRanks}). */
        ROW_RANKS,
        /** Layers, sizes or k do not match the fold's layers. */
        SHAPE
    }

    private final Problem problem;

    public InvalidContributionException(Problem problem, String message) {
        super(message);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
