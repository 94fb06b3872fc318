package io.fedprune.dpp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class MaskSpecTest {

    private static void assertGnk(MaskSpec s, int g, int n, int k, int e) {
        assertEquals(g, s.groups(), "groups of " + s);
        assertEquals(n, s.n(), "n of " + s);
        assertEquals(k, s.k(), "k of " + s);
        assertEquals(e, s.candidateSize(), "candidate size of " + s);
    }

    @Test
    void derivesGroupsAndCandidatesFromTheDesignTable() {
        int[] dense = {300, 784}, conv = {50, 20, 5, 5};
        assertGnk(MaskSpec.ofK("fc1", Granularity.WEIGHT, dense, 16), 300, 784, 16, 1);
        assertGnk(MaskSpec.ofK("fc1", Granularity.FILTER, dense, 30), 1, 300, 30, 784);
        assertGnk(MaskSpec.tile("fc1", dense, 2, 4), 300 * 196, 4, 2, 1);
        assertGnk(MaskSpec.ofK("c2", Granularity.WEIGHT, conv, 50), 50, 500, 50, 1);
        assertGnk(MaskSpec.ofK("c2", Granularity.KERNEL, conv, 5), 50, 20, 5, 25);
        assertGnk(MaskSpec.ofK("c2", Granularity.FILTER, conv, 10), 1, 50, 10, 500);
        assertGnk(MaskSpec.tile("c2", conv, 1, 5), 50 * 100, 5, 1, 1);
    }

    @Test
    void keepRatioGivesCeilingClampedToOneAndN() {
        int[] fc1 = {300, 784}, fc2 = {100, 300}, fc3 = {10, 100};
        assertEquals(16, MaskSpec.ofKeep("a", Granularity.WEIGHT, fc1, 0.02).k());   // 15.68
        assertEquals(40, MaskSpec.ofKeep("a", Granularity.WEIGHT, fc1, 0.05).k());   // 39.2
        assertEquals(79, MaskSpec.ofKeep("a", Granularity.WEIGHT, fc1, 0.10).k());   // 78.4
        assertEquals(196, MaskSpec.ofKeep("a", Granularity.WEIGHT, fc1, 0.25).k());
        assertEquals(15, MaskSpec.ofKeep("b", Granularity.WEIGHT, fc2, 0.05).k());   // 15.000000000000002 in binary
        assertEquals(25, MaskSpec.ofKeep("c", Granularity.WEIGHT, fc3, 0.25).k());
        assertEquals(1, MaskSpec.ofKeep("c", Granularity.WEIGHT, fc3, 0.001).k());
        assertEquals(100, MaskSpec.ofKeep("c", Granularity.WEIGHT, fc3, 1.0).k());
        assertEquals(0.25, MaskSpec.ofKeep("c", Granularity.WEIGHT, fc3, 0.25).keep());
    }

    private static void assertMessage(String expectedPart, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(expectedPart), () -> "message '" + e.getMessage() + "' lacks '" + expectedPart + "'");
    }

    @Test
    void validationNamesTheProblem() {
        int[] dense = {10, 8}, conv = {4, 3, 5, 5};
        assertMessage("k must be >= 1", () -> MaskSpec.ofK("fc", Granularity.WEIGHT, dense, 0));
        assertMessage("k must be <= n = 8", () -> MaskSpec.ofK("fc", Granularity.WEIGHT, dense, 9));
        assertMessage("k must be <= n = 4", () -> MaskSpec.tile("fc", dense, 5, 4));
        assertMessage("tile M = 3 does not divide the input axis of length 8", () -> MaskSpec.tile("fc", dense, 1, 3));
        assertMessage("does not divide the input axis of length 75", () -> MaskSpec.tile("conv", conv, 2, 4));
        assertMessage("KERNEL granularity needs a convolution", () -> MaskSpec.ofK("fc", Granularity.KERNEL, dense, 1));
        assertMessage("keep must be in (0, 1]", () -> MaskSpec.ofKeep("fc", Granularity.WEIGHT, dense, 0));
        assertMessage("keep must be in (0, 1]", () -> MaskSpec.ofKeep("fc", Granularity.WEIGHT, dense, 1.5));
        assertMessage("TILE needs N and M", () -> MaskSpec.ofK("fc", Granularity.TILE, dense, 1));
        assertMessage("weightShape must be", () -> MaskSpec.ofK("fc", Granularity.WEIGHT, new int[]{3, 4, 5}, 1));
        assertMessage("dimensions must be >= 1", () -> MaskSpec.ofK("fc", Granularity.WEIGHT, new int[]{0, 4}, 1));
        assertMessage("do not match", () -> new MaskSpec("fc", Granularity.WEIGHT, dense, 8, 10, 1, 0));
        assertMessage("non-blank", () -> MaskSpec.ofK(" ", Granularity.WEIGHT, dense, 1));
        assertMessage("initialLogits has length 3, expected 80",
                () -> new DppLayer(MaskSpec.ofK("fc", Granularity.WEIGHT, dense, 2), new float[3], DppConfig.defaults(), 1));
        assertMessage("threads must be 1 or 2", () -> DppConfig.defaults().withThreads(3));
    }

    @Test
    void expandAndReduceFollowTheRowMajorLayouts() {
        // conv [2 cout, 2 cin, 1, 2] at KERNEL: candidate (o, c) covers w[o, c, 0, 0..1]
        MaskSpec kernel = MaskSpec.ofK("c", Granularity.KERNEL, new int[]{2, 2, 1, 2}, 1);
        assertArrayEquals(new float[]{1, 1, 0, 0, 0, 0, 1, 1}, kernel.expand(new float[]{1, 0, 0, 1}));
        assertArrayEquals(new float[]{3, 7, 11, 15}, kernel.reduce(new float[]{1, 2, 3, 4, 5, 6, 7, 8}));
        // dense [3 out, 2 in] at FILTER: candidate o is row o
        MaskSpec filter = MaskSpec.ofK("f", Granularity.FILTER, new int[]{3, 2}, 2);
        assertArrayEquals(new float[]{1, 1, 0, 0, 1, 1}, filter.expand(new float[]{1, 0, 1}));
        assertArrayEquals(new float[]{3, 7, 11}, filter.reduce(new float[]{1, 2, 3, 4, 5, 6}));
        // WEIGHT and TILE: identity layout
        MaskSpec tile = MaskSpec.tile("t", new int[]{1, 4}, 2, 2);
        assertArrayEquals(new float[]{1, 0, 0, 1}, tile.expand(new float[]{1, 0, 0, 1}));
        assertEquals(2, tile.groups());
    }

    @Test
    void shapeIsCopiedDefensively() {
        int[] shape = {3, 4};
        MaskSpec s = MaskSpec.ofK("a", Granularity.WEIGHT, shape, 1);
        shape[0] = 99;
        s.weightShape()[1] = 99;
        assertArrayEquals(new int[]{3, 4}, s.weightShape());
        assertEquals(s, MaskSpec.ofK("a", Granularity.WEIGHT, new int[]{3, 4}, 1));
    }

    @Test
    void temperatureIsLinearFromT0ToT1() {
        TemperatureSchedule t = TemperatureSchedule.defaults();
        assertEquals(5.0f, t.at(0, 11));
        assertEquals(2.75f, t.at(5, 11), 1e-6);
        assertEquals(0.5f, t.at(10, 11), 1e-6);
        assertEquals(0.5f, t.at(50, 11), 1e-6);
        assertEquals(5.0f, t.at(0, 1));
    }

    @Test
    void aJobsRoundsSplitTheScheduleEvenly() {
        // 5 rounds from 5 to 0.5: each round anneals by 4.5 / 5 = 0.9
        TemperatureSchedule t = TemperatureSchedule.defaults();
        assertEquals(5.0, t.roundStart(1, 5), 1e-12);
        assertEquals(4.1, t.roundEnd(1, 5), 1e-12);
        assertEquals(4.1, t.roundStart(2, 5), 1e-12);
        assertEquals(3.2, t.roundEnd(2, 5), 1e-12);
        assertEquals(0.5, t.roundEnd(5, 5), 1e-12);
        assertEquals(2.75, t.value(5, 11), 1e-12);
    }
}
