package io.fedprune.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backward passes against central finite differences of the forward loss. */
public class NetworkTest {

    @ParameterizedTest
    @EnumSource(ModelArch.class)
    void gradientsMatchFiniteDifferences(ModelArch arch) {
        Random r = new Random(7);
        Model m = Model.init(arch.graph(), 3);
        for (Layer l : arch.layers()) {             // non-zero biases so that their gradients are exercised
            float[] b = m.bias(l.name());
            for (int i = 0; i < b.length; i++) b[i] = (float) (0.1 * r.nextGaussian());
        }
        assertGradientsMatchFiniteDifferences(m, r);
    }

    /**
     * A bias gradient read after several backward passes (of other batch sizes, forward-only runs between) is that of
     * the last backward, as from a network that ran only that batch (Dense layers sum it when it is first read).
     */
    @ParameterizedTest
    @EnumSource(ModelArch.class)
    void biasGradientIsThatOfTheLastBackward(ModelArch arch) {
        Random r = new Random(11);
        Model m = Model.init(arch.graph(), 5);
        Graph graph = m.graph();
        float[] x = new float[8 * graph.inputSize()];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] y = new int[8];
        for (int i = 0; i < y.length; i++) y[i] = r.nextInt(graph.classes());
        Network net = Network.of(m), fresh = Network.of(m);
        net.run(x, y, 0, 5, true);
        float[] first = new float[graph.layers().get(0).outputs()];
        net.gradient(graph.layers().get(0).biasName(), first);
        net.run(x, y, 5, 3, true);
        net.run(x, y, 0, 8, false);
        fresh.run(x, y, 5, 3, true);
        for (Layer l : graph.layers()) {
            float[] got = new float[l.outputs()], again = new float[l.outputs()], want = new float[l.outputs()];
            net.gradient(l.biasName(), got);
            net.gradient(l.biasName(), again);
            fresh.gradient(l.biasName(), want);
            assertArrayEquals(want, got, l.biasName());
            assertArrayEquals(want, again, l.biasName() + ", read twice");
        }
        float[] last = new float[first.length];
        net.gradient(graph.layers().get(0).biasName(), last);
        assertFalse(Arrays.equals(first, last), "the two batches' bias gradients differ");
    }

    /**
     * Checks the gradient of every parameter of {@code m} on a random batch of 3 against central differences: a
     * directional derivative along a random +-1 direction and the three largest single coordinates.
     */
    public static void assertGradientsMatchFiniteDifferences(Model m, Random r) {
        Graph graph = m.graph();
        int batch = 3;
        float[] x = new float[batch * graph.inputSize()];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] y = new int[batch];
        for (int i = 0; i < batch; i++) y[i] = r.nextInt(graph.classes());
        Network net = Network.of(m);
        net.run(x, y, 0, batch, true);
        for (String name : graph.parameterNames()) {
            float[] p = m.param(name);
            float[] g = new float[p.length];
            net.gradient(name, g);
            // directional derivative along a random +-1 direction: sum_i g_i v_i vs (f(p + h v) - f(p - h v)) / 2h
            float[] v = new float[p.length];
            double analytic = 0, gnorm = 0;
            for (int i = 0; i < p.length; i++) {
                v[i] = r.nextBoolean() ? 1f : -1f;
                analytic += g[i] * v[i];
                gnorm += Math.abs(g[i]);
            }
            assertTrue(gnorm > 0, name + ": zero gradient");
            double numeric = closest(analytic, 1 / Math.sqrt(p.length), h -> difference(net, m, name, v, h, x, y));
            assertEquals(numeric, analytic, 0.03 * Math.abs(analytic) + 1e-3 * gnorm / Math.sqrt(p.length) + 1e-4,
                    name + ": directional derivative, numeric " + numeric + " analytic " + analytic);
            // and a few single coordinates with the largest gradients
            for (int t = 0; t < 3; t++) {
                int best = 0;
                for (int i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[best])) best = i;
                float[] e = new float[p.length];
                e[best] = 1f;
                double num = closest(g[best], Math.max(0.1, Math.abs(p[best])), h -> difference(net, m, name, e, h, x, y));
                assertEquals(num, g[best], 0.03 * Math.abs(g[best]) + 1e-4, name + "[" + best + "]");
                g[best] = 0;
            }
        }
    }

    /**
     * The central difference at steps {@code scale * (1e-3, 3e-3, 1e-2)} closest to {@code analytic}: a small step
     * drowns in float32 rounding, a large one may cross a ReLU or max-pool kink; a wrong gradient misses at every step.
     */
    private static double closest(double analytic, double scale, java.util.function.DoubleUnaryOperator difference) {
        double best = Double.NaN;
        for (double h : new double[]{1e-3, 3e-3, 1e-2}) {
            double d = difference.applyAsDouble(h * scale);
            if (Double.isNaN(best) || Math.abs(d - analytic) < Math.abs(best - analytic)) best = d;
        }
        return best;
    }

    private static double difference(Network net, Model m, String name, float[] dir, double h, float[] x, int[] y) {
        double d = (lossAt(net, m, name, dir, h, x, y) - lossAt(net, m, name, dir, -h, x, y)) / (2 * h);
        net.setParam(name, m.param(name));
        return d;
    }

    private static double lossAt(Network net, Model m, String name, float[] dir, double h, float[] x, int[] y) {
        float[] p = m.param(name).clone();
        for (int i = 0; i < p.length; i++) p[i] += (float) (h * dir[i]);
        net.setParam(name, p);
        return net.run(x, y, 0, y.length, false).loss();
    }
}
