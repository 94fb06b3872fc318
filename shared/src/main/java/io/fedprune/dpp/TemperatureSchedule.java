package io.fedprune.dpp;

/**
 * Relaxation temperature over training: linear from {@code t0} at the first step to {@code t1} at the last.
 *
 * @param t0 temperature at step 0 (default 5)
 * @param t1 temperature at step {@code totalSteps - 1} (default 0.5)
 */
public record TemperatureSchedule(double t0, double t1) {

    public TemperatureSchedule {
        if (!(t0 > 0)) throw new IllegalArgumentException("t0 must be > 0, was " + t0);
        if (!(t1 > 0)) throw new IllegalArgumentException("t1 must be > 0, was " + t1);
    }

    /** 5 -> 0.5, linear. */
    public static TemperatureSchedule defaults() {
        return new TemperatureSchedule(5.0, 0.5);
    }

    /**
     * {@code t0 + (t1 - t0) * step / max(totalSteps - 1, 1)}, with {@code step} clamped to {@code [0, totalSteps - 1]}.
     * (A federated run passes the global step, round * stepsPerRound + i, and the total over all rounds.)
     */
    public float at(long step, long totalSteps) {
        return (float) value(step, totalSteps);
    }

    /** {@link #at} in double precision. */
    public double value(long step, long totalSteps) {
        if (totalSteps < 1) throw new IllegalArgumentException("totalSteps must be >= 1, was " + totalSteps);
        long s = Math.max(0, Math.min(step, totalSteps - 1));
        return t0 + (t1 - t0) * s / Math.max(totalSteps - 1, 1);
    }

    /**
     * The temperature at the start of round {@code round} (1-based) of a job of {@code rounds} rounds: the schedule runs
     * over the whole job, {@code t0} at the start of round 1 and {@code t1} at the end of the last round, so round r
     * anneals from {@code t0 + (t1 - t0) (r - 1) / rounds} to {@link #roundEnd} {@code t0 + (t1 - t0) r / rounds}.
     */
    public double roundStart(int round, int rounds) {
        return value(round - 1, rounds + 1L);
    }

    /** The temperature at the end of round {@code round} of {@code rounds} (see {@link #roundStart}). */
    public double roundEnd(int round, int rounds) {
        return value(round, rounds + 1L);
    }
}
