package io.fedprune.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backward passes against central finite differences of the forward loss. */
class NetworkTest {

    @ParameterizedTest
    @EnumSource(ModelArch.class)
    void gradientsMatchFiniteDifferences(ModelArch arch) {
        Random r = new Random(7);
        Model m = Model.init(arch.graph(), 3);
        for (Layer l : arch.layers()) {             // non-zero biases so that their gradients are exercised
            float[] b = m.bias(l.name());
            for (int i = 0; i < b.length; i++) b[i] = (float) (0.1 * r.nextGaussian());
        }
        int batch = 3;
        float[] x = new float[batch * 784];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] y = {3, 7, 1};
        Network net = Network.of(m);
        net.run(x, y, 0, batch, true);
        for (String name : arch.parameterNames()) {
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
            double h = 1e-3 / Math.sqrt(p.length);
            double numeric = (lossAt(net, m, name, v, h, x, y) - lossAt(net, m, name, v, -h, x, y)) / (2 * h);
            net.setParam(name, p);
            assertTrue(gnorm > 0, name + ": zero gradient");
            assertEquals(numeric, analytic, 0.03 * Math.abs(analytic) + 1e-3 * gnorm / Math.sqrt(p.length) + 1e-4,
                    name + ": directional derivative, numeric " + numeric + " analytic " + analytic);
            // and a few single coordinates with the largest gradients
            for (int t = 0; t < 3; t++) {
                int best = 0;
                for (int i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[best])) best = i;
                float[] e = new float[p.length];
                e[best] = 1f;
                double hh = 1e-2 * Math.max(1e-2, Math.abs(p[best]));
                double num = (lossAt(net, m, name, e, hh, x, y) - lossAt(net, m, name, e, -hh, x, y)) / (2 * hh);
                net.setParam(name, p);
                assertEquals(num, g[best], 0.03 * Math.abs(g[best]) + 1e-4, name + "[" + best + "]");
                g[best] = 0;
            }
        }
    }

    private static double lossAt(Network net, Model m, String name, float[] dir, double h, float[] x, int[] y) {
        float[] p = m.param(name).clone();
        for (int i = 0; i < p.length; i++) p[i] += (float) (h * dir[i]);
        net.setParam(name, p);
        return net.run(x, y, 0, y.length, false).loss();
    }
}
