package io.fedprune.fuse;

import java.util.Objects;

/**
 * How to fuse.
 *
 * @param method               the rule; default {@link Fusion#RANK}
 * @param trimFraction         for {@link Fusion#TRIMMED_MEAN}: fraction of devices dropped at each end per coordinate,
 *                             in [0, 0.5); default 0.1
 * @param inclusionTemperature for {@link Fusion#INCLUSION}: temperature T of the inclusion probabilities, > 0;
 *                             default 1.0
 * @param optimizer            server-side optimiser over rounds; default {@link ServerOptimizer.Config#none()}
 */
public record FusionConfig(Fusion method, double trimFraction, double inclusionTemperature, ServerOptimizer.Config optimizer) {
    public FusionConfig {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(optimizer, "optimizer");
        if (!(trimFraction >= 0 && trimFraction < 0.5))
            throw new IllegalArgumentException("trimFraction must be in [0, 0.5), was " + trimFraction);
        if (!(inclusionTemperature > 0) || Double.isInfinite(inclusionTemperature))
            throw new IllegalArgumentException("inclusionTemperature must be finite and > 0, was " + inclusionTemperature);
    }

    /** RANK, trim 0.1, inclusion temperature 1.0, no server optimiser. */
    public static FusionConfig defaults() {
        return of(Fusion.RANK);
    }

    /** The given rule with default settings. */
    public static FusionConfig of(Fusion method) {
        return new FusionConfig(method, 0.1, 1.0, ServerOptimizer.Config.none());
    }

    /** A stateless strategy for this rule (the server optimiser is separate: {@link ServerOptimizer}). */
    public FusionStrategy strategy() {
        return switch (method) {
            case RANK -> new ReorderingFusion(Fusion.RANK, 0);
            case INCLUSION -> new ReorderingFusion(Fusion.INCLUSION, inclusionTemperature);
            case MEAN -> new MeanFusion();
            case TRIMMED_MEAN -> new CoordinateFusion(Fusion.TRIMMED_MEAN, trimFraction);
            case MEDIAN -> new CoordinateFusion(Fusion.MEDIAN, 0);
        };
    }
}
