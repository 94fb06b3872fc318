package io.fedprune.bench;

import io.fedprune.dpp.DppConfig;
import io.fedprune.model.Model;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A smoke run of the DPP step benchmark: tiny batch, a few steps; timings are printed, never asserted on. */
class DppStepBenchTest {

    @Test
    void measuresBothStepsAndNamesEachLayersRelaxation() throws Exception {
        Model lenet300 = GraphStepBench.load("lenet300");
        double[] t = GraphStepBench.measure(lenet300, 8, 0.02, DppConfig.defaults(), 1, 3);
        assertEquals(4, t.length);
        for (double x : t) assertTrue(x > 0 && Double.isFinite(x), "median " + x);
        // LeNet-300-100 at keep 2%: k = 16 / 6 / 25 (output layer >= 25%); the exact relaxation for k <= 8 only
        GraphStepBench b = new GraphStepBench(lenet300, 8);
        assertEquals("16/784, 6/300, 25/100", b.new Dpp(0.02, DppConfig.defaults()).ks());
        assertEquals("limit/exact/limit", b.new Dpp(0.02, DppConfig.defaults()).relaxation());
        assertEquals("limit/limit/limit", b.new Dpp(0.25, DppConfig.defaults()).relaxation());
        assertEquals("exact/exact/exact", b.new Dpp(0.02, DppConfig.defaults().withExactKMax(32)).relaxation());
    }

    @Test
    void aForkedCellMeasuresInAJvmOfItsOwnAndReportsItsMedians() throws Exception {
        double[] t = GraphStepBench.measureForked("lenet300", 8, 0.02, 2, 1, 3);
        assertEquals(4, t.length);
        for (double x : t) assertTrue(x > 0 && Double.isFinite(x), "median " + x);
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> GraphStepBench.measureForked("no-such-model", 8, 0.02, 1, 1, 3));
        assertTrue(e.getMessage().contains("the forked GraphStepBench --cell no-such-model 8"), e.getMessage());
    }
}
