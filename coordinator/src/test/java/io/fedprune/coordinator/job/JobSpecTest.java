package io.fedprune.coordinator.job;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JobSpecTest {
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    @Test
    void aSpecLoggedBeforeWeightingExistedKeepsSampleCountWeighting() throws Exception {
        JobSpec old = JobSpec.defaults();
        String json = JSON.writeValueAsString(old).replace("\"weighting\":\"SQRT_SAMPLES\",", "");
        JobSpec read = JSON.readValue(json, JobSpec.class);
        assertEquals(null, read.weighting());
        JobSpec upgraded = read.upgraded();
        assertEquals("SAMPLES", upgraded.weighting());
        assertEquals(old.rounds(), upgraded.rounds());
        assertEquals(old.seed(), upgraded.seed());
        assertEquals(old.learningRate(), upgraded.learningRate());
    }

    @Test
    void aSpecWithWeightingIsUnchanged() {
        JobSpec spec = JobSpec.defaults();
        assertEquals("SQRT_SAMPLES", spec.weighting());
        assertEquals(spec, spec.upgraded());
    }
}
