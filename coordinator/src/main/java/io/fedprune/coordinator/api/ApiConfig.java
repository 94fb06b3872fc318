package io.fedprune.coordinator.api;

import io.fedprune.coordinator.job.JobLimits;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * The REST API's guard, keys under {@code fedprune.api} (application.yml, {@code FEDPRUNE_API_*} variables). The
 * bind address and port are Micronaut's {@code micronaut.server.host} (default 127.0.0.1) and
 * {@code micronaut.server.port} (8080); the request body limit is {@code micronaut.server.max-request-size} (64 MB,
 * for model uploads). The job limits left unset take {@link JobLimits#DEFAULTS}.
 *
 * @param token              the operator's bearer token for writes (create, cancel, upload, enrolment tokens,
 *                           revocation); default none: the coordinator then makes one at start and writes it to
 *                           {@code <work-dir>/api-token} (owner-only)
 * @param openReads          whether GETs need no token; default true
 * @param enrolmentTokenTtlMs how long an enrolment token stays valid; default 86400000 (a day)
 * @param deviceTokensDir    a folder of per-device enrolment tokens ({@code <dir>/<device id>} holds the token; a
 *                           mounted Secret), for fleets whose devices cannot be handed a one-time token; default none
 *                           ({@link io.fedprune.coordinator.fleet.DeviceTokens})
 * @param maxRounds          largest {@code rounds} of a job
 * @param maxLocalEpochs     largest {@code localEpochs} and {@code pretrainEpochs}
 * @param maxBatchSize       largest {@code batchSize}
 * @param maxTiers           most {@code tiers}
 * @param maxDevicesPerRound largest {@code devicesPerRound}
 * @param maxConcurrentJobs  most jobs pending or running at once
 */
@ConfigurationProperties("fedprune.api")
public record ApiConfig(@Nullable String token,
                        @Bindable(defaultValue = "true") boolean openReads,
                        @Bindable(defaultValue = "86400000") long enrolmentTokenTtlMs,
                        @Nullable String deviceTokensDir,
                        @Nullable Integer maxRounds,
                        @Nullable Integer maxLocalEpochs,
                        @Nullable Integer maxBatchSize,
                        @Nullable Integer maxTiers,
                        @Nullable Integer maxDevicesPerRound,
                        @Nullable Integer maxConcurrentJobs) {

    /** The job limits: the configured ones, the rest at {@link JobLimits#DEFAULTS}. */
    public JobLimits limits() {
        JobLimits d = JobLimits.DEFAULTS;
        return new JobLimits(or(maxRounds, d.rounds()), or(maxLocalEpochs, d.localEpochs()), or(maxBatchSize, d.batchSize()),
                or(maxTiers, d.tiers()), or(maxDevicesPerRound, d.devicesPerRound()), or(maxConcurrentJobs, d.concurrentJobs()));
    }

    private static int or(Integer v, int otherwise) {
        return v == null ? otherwise : v;
    }
}
