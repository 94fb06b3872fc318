package io.fedprune.coordinator.job;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class JobLimitsTest {
    static final JobLimits LIMITS = new JobLimits(10, 5, 256, 3, 20, 2);

    static JobRequest request(Integer rounds, Integer localEpochs, Integer pretrainEpochs, Integer batchSize,
                              List<Double> tiers, Integer devicesPerRound) {
        return new JobRequest(null, null, pretrainEpochs, null, null, null, null, tiers, null, rounds, devicesPerRound,
                null, null, localEpochs, null, batchSize, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    private static String field(JobRequest r) {
        return assertThrows(InvalidFieldException.class, () -> r.validate("j", LIMITS)).field();
    }

    @Test
    void eachLimitIsInclusiveAndNamesItsField() {
        JobSpec s = request(10, 5, 5, 256, List.of(0.1, 0.2, 0.3), 20).validate("j", LIMITS);   // every field at its limit
        assertEquals(10, s.rounds());
        assertEquals("rounds", field(request(11, null, null, null, null, null)));
        assertEquals("localEpochs", field(request(null, 6, null, null, null, null)));
        assertEquals("pretrainEpochs", field(request(null, null, 6, null, null, null)));
        assertEquals("batchSize", field(request(null, null, null, 257, null, null)));
        assertEquals("tiers", field(request(null, null, null, null, List.of(0.1, 0.2, 0.3, 0.4), null)));
        assertEquals("devicesPerRound", field(request(null, null, null, null, null, 21)));
    }

    @Test
    void theMessageNamesTheConfigurationKey() {
        InvalidFieldException e = assertThrows(InvalidFieldException.class,
                () -> request(11, null, null, null, null, null).validate("j", LIMITS));
        assertEquals("rounds: 11 exceeds the limit of 10 (fedprune.api.max-rounds)", e.getMessage());
    }

    @Test
    void theDefaultsAdmitTheDefaultRequestAndNoneAdmitsAnything() {
        JobRequest.empty().validate("j", JobLimits.DEFAULTS);
        assertEquals("rounds", assertThrows(InvalidFieldException.class,
                () -> request(1001, null, null, null, null, null).validate("j", JobLimits.DEFAULTS)).field());
        assertEquals(1_000_000, request(1_000_000, null, null, null, null, null).validate("j").rounds());
    }

    @Test
    void concurrentJobsAreCountedAgainstTheLimit() {
        LIMITS.checkConcurrent(0);
        LIMITS.checkConcurrent(1);
        InvalidFieldException e = assertThrows(InvalidFieldException.class, () -> LIMITS.checkConcurrent(2));
        assertEquals("", e.field());
        assertTrue(e.getMessage().startsWith("2 jobs are pending or running, the limit is 2"), e.getMessage());
    }
}
