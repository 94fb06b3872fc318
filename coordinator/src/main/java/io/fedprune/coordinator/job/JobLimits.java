package io.fedprune.coordinator.job;

/**
 * Upper bounds on a job request, checked when a {@link JobRequest} becomes a {@link JobSpec}; past one is an
 * {@link InvalidFieldException} naming the field (a 400 through the REST API). Every bound is inclusive. The REST API
 * reads them from {@code fedprune.api.max-*} (io.fedprune.coordinator.api.ApiConfig); {@link #DEFAULTS} are the
 * defaults, defined here only.
 *
 * @param rounds          largest {@code rounds}
 * @param localEpochs     largest {@code localEpochs} and {@code pretrainEpochs}
 * @param batchSize       largest {@code batchSize}
 * @param tiers           most {@code tiers}
 * @param devicesPerRound largest {@code devicesPerRound}
 * @param concurrentJobs  most jobs pending or running at once (a new job past it is refused)
 */
public record JobLimits(int rounds, int localEpochs, int batchSize, int tiers, int devicesPerRound, int concurrentJobs) {

    /** The defaults: 1000 rounds, 100 epochs, batch size 4096, 16 tiers, 10000 devices per round, 4 concurrent jobs. */
    public static final JobLimits DEFAULTS = new JobLimits(1000, 100, 4096, 16, 10_000, 4);

    /** No bounds: jobs submitted in-process (the demo, tests) and jobs replayed from the job log. */
    public static final JobLimits NONE = new JobLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE,
            Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE);

    public JobLimits {
        if (rounds < 1 || localEpochs < 1 || batchSize < 1 || tiers < 1 || devicesPerRound < 1 || concurrentJobs < 1)
            throw new IllegalArgumentException("every job limit must be >= 1: " + this);
    }

    /**
     * Checks a spec's fields against the bounds.
     *
     * @throws InvalidFieldException naming the first field past its bound
     */
    public void check(JobSpec spec) {
        atMost("rounds", spec.rounds(), rounds, "max-rounds");
        atMost("localEpochs", spec.localEpochs(), localEpochs, "max-local-epochs");
        atMost("pretrainEpochs", spec.pretrainEpochs(), localEpochs, "max-local-epochs");
        atMost("batchSize", spec.batchSize(), batchSize, "max-batch-size");
        atMost("tiers", spec.tiers().size(), tiers, "max-tiers");
        atMost("devicesPerRound", spec.devicesPerRound(), devicesPerRound, "max-devices-per-round");
    }

    /**
     * Checks that one more job may start while {@code active} are pending or running.
     *
     * @throws InvalidFieldException (field {@code ""}) when the bound is reached
     */
    public void checkConcurrent(long active) {
        if (active >= concurrentJobs)
            throw new InvalidFieldException("", active + " jobs are pending or running, the limit is " + concurrentJobs
                    + " (fedprune.api.max-concurrent-jobs): wait for one to end or cancel one");
    }

    private static void atMost(String field, long value, long limit, String key) {
        if (value > limit)
            throw new InvalidFieldException(field, (field.equals("tiers") ? value + " tiers exceed" : value + " exceeds")
                    + " the limit of " + limit + " (fedprune.api." + key + ")");
    }
}
