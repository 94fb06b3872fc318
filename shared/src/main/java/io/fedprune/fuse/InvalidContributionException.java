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
        /** A row order sent with the logits is not an ascending order of the row's logits. */
        ROW_ORDER,
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
