package io.fedprune.deploy.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SvgChartTest {
    @Test
    void ticksAreRoundAndCoverTheRange() {
        assertArrayEquals(new double[]{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}, SvgChart.ticks(0, 1), 1e-12);
        double[] t = SvgChart.ticks(91.3, 98.7); // range 7.4 -> raw step 1.48 -> step 2
        assertEquals(90, t[0], 1e-9);
        assertEquals(100, t[t.length - 1], 1e-9);
        assertEquals(2, t[1] - t[0], 1e-9);
    }

    @Test
    void rendersOnePolylinePerSeriesAndEscapesText() {
        String svg = new SvgChart("a < b", "round", "accuracy (%)")
                .add("tier 5%", new double[]{1, 2, 3}, new double[]{90, 95, 96})
                .add("tier 10%", new double[]{1, 2, 3}, new double[]{94, 97, Double.NaN})
                .render();
        assertTrue(svg.startsWith("<svg"));
        assertEquals(2, svg.split("<polyline", -1).length - 1);
        assertEquals(5, svg.split("<circle", -1).length - 1); // the NaN point is skipped
        assertTrue(svg.contains("a &lt; b"));
        assertThrows(IllegalArgumentException.class, () -> new SvgChart("t", "x", "y").add("s", new double[1], new double[2]));
    }
}
