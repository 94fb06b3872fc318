package io.fedprune.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Forked measurements: a fusion variant in a JVM of its own, and the warm-up; timings are never asserted on. */
class ForkedTest {

    @Test
    void warmUpRunsAtLeastTheMinimumAndStopsOnceTheJitIsQuiet() {
        int[] runs = {0};
        int n = Forked.warmUp(() -> runs[0]++, 5);
        assertEquals(runs[0], n);
        assertTrue(n >= 5, "ran " + n);
    }

    @Test
    void aFusionVariantRunsInAForkAndReportsItsFigures() throws Exception {
        double[] mean = Forked.run(FusionBench.class, List.of("--variant", "MEAN", "false", "false", "1", "3", "1", "1"));
        assertEquals(7, mean.length);
        for (int i : new int[]{FusionBench.FOLD, FusionBench.SUM, FusionBench.ADD, FusionBench.FOLD_WALL, FusionBench.WHOLE})
            assertTrue(mean[i] > 0 && Double.isFinite(mean[i]), "figure " + i + ": " + mean[i]);
        // the median rule keeps every update, so it has no whole-round figure
        double[] median = Forked.run(FusionBench.class, List.of("--variant", "MEDIAN", "false", "false", "1", "3", "1", "1"));
        assertTrue(Double.isNaN(median[FusionBench.WHOLE]));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Forked.run(FusionBench.class, List.of("--variant", "NO_SUCH_RULE", "false", "false", "1", "3", "1", "1")));
        assertTrue(e.getMessage().contains("the forked FusionBench --variant NO_SUCH_RULE"), e.getMessage());
        assertTrue(e.getMessage().contains("NO_SUCH_RULE"), e.getMessage());
    }
}
