package io.fedprune.bench;

import io.fedprune.dpp.DppConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A smoke run of the DPP step benchmark: tiny batch, a few steps; timings are printed, never asserted on. */
class DppStepBenchTest {

    @Test
    void measuresBothStepsAndNamesEachLayersRelaxation() {
        double[] t = DppStepBench.measure(8, 0.02, DppConfig.defaults(), 1, 3);
        assertEquals(4, t.length);
        for (double x : t) assertTrue(x > 0 && Double.isFinite(x), "median " + x);
        // LeNet-300-100 at keep 2%: k = 16 / 6 / 25 (output layer >= 25%); the exact relaxation for k <= 8 only
        assertEquals("limit/exact/limit", DppStepBench.exactOrLimit(new DppStepBench(8).layers(0.02, DppConfig.defaults())));
        assertEquals("limit/limit/limit", DppStepBench.exactOrLimit(new DppStepBench(8).layers(0.25, DppConfig.defaults())));
        assertEquals("exact/exact/exact", DppStepBench.exactOrLimit(new DppStepBench(8).layers(0.02, DppConfig.defaults().withExactKMax(32))));
    }
}
