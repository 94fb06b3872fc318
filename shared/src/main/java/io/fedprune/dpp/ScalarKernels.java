package io.fedprune.dpp;

import static io.fedprune.dpp.FloatMath.W;

/**
 * The loop primitives of {@link RowKernels} as plain loops: float arithmetic in the fixed order of {@link FloatMath};
 * {@code VectorKernels} is the lane-wise form of the same loops and gives the same bits (tested). Sums go to 8
 * virtual lanes, {@code acc[i % 8]} (further sums in the same loop to {@code acc[8 + i % 8]}, {@code acc[16 + i % 8]}), then
 * {@link FloatMath#sumLanes}.
 */
final class ScalarKernels extends RowKernels {
    static final ScalarKernels INSTANCE = new ScalarKernels();

    private ScalarKernels() {
    }

    @Override
    boolean vectorized() {
        return false;
    }

    @Override
    void perturb(float[] d, float[] keys, int from, int to, long key, float scale) {
        for (int i = from; i < to; i++) keys[i] = d[i] + Gumbel.gumbel(key, i) * scale;
    }

    @Override
    void topK(float[] keys, int off, int n, int k, float[] mask, Scratch s, float[] stats, int soff) {
        Relax.topK(keys, off, n, k, mask, off, s.f, stats, soff);
    }

    @Override
    void expandMul(float[] w, float[] mask, int cFrom, int cTo, int e, float[] weff) {
        for (int c = cFrom; c < cTo; c++) {
            float m = mask[c];
            for (int i = c * e, end = i + e; i < end; i++) weff[i] = w[i] * m;
        }
    }

    @Override
    void reduceMul(float[] gw, float[] w, int cFrom, int cTo, int e, float[] g) {
        for (int c = cFrom; c < cTo; c++) {
            float s = 0;
            for (int i = c * e, end = i + e; i < end; i++) s += gw[i] * w[i];
            g[c] = s;
        }
    }

    @Override
    void adam(float[] p, float[] g, float[] m, float[] v, int from, int to, AdamStep a) {
        for (int i = from; i < to; i++) {
            float gi = g[i];
            float mi = m[i] * a.b1() + gi * a.c1(), vi = v[i] * a.b2() + gi * gi * a.c2();
            m[i] = mi;
            v[i] = vi;
            p[i] = p[i] - mi * a.step() / ((float) Math.sqrt(vi) * a.ic2() + a.eps());
        }
    }

    @Override
    float max(float[] v, int vo, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) m = Math.max(m, v[vo + i]);
        return m;
    }

    @Override
    void expShifted(float[] x, int xo, int np, float scale, float shift, float floor, float[] out) {
        for (int i = 0; i < np; i++) out[i] = FloatMath.exp(Math.max(x[xo + i] * scale - shift, floor));
    }

    @Override
    float sum(float[] x, int np, float[] acc) {
        for (int i = 0; i < np; i++) acc[i & (W - 1)] += x[i];
        return FloatMath.sumLanes(acc, 0);
    }

    @Override
    float nextMass(float[] u, float[] rs, int src, int dst, int np, float invS, float[] acc) {
        for (int i = 0; i < np; i++) {
            float r = rs[src + i] * Math.max(u[i] * -invS + 1f, 0f);
            rs[dst + i] = r;
            acc[i & (W - 1)] += u[i] * r;
        }
        return FloatMath.sumLanes(acc, 0);
    }

    @Override
    float backSum(float[] a, float[] rs, int rp, float[] u, int np, float S, float[] acc) {
        for (int i = 0; i < np; i++) {
            float x = a[i] * rs[rp + i] * u[i];
            acc[i & (W - 1)] += u[i] >= S ? 0f : x;
        }
        return FloatMath.sumLanes(acc, 0);
    }

    @Override
    float backStep(float[] a, float[] rs, int rp, float[] u, float[] gu, int np, float S, float invS, float dS,
                   int nextRp, float nextS, float[] acc) {
        if (S > 1f) {
            for (int i = 0; i < np; i++) {
                float ui = u[i], r = rs[rp + i], ai = a[i];
                gu[i] = gu[i] + r * (ai * -invS + dS);
                float an = ai * (ui * -invS + 1f) + ui * dS;
                a[i] = an;
                float x = an * rs[nextRp + i] * ui;
                acc[i & (W - 1)] += ui >= nextS ? 0f : x;
            }
            return FloatMath.sumLanes(acc, 0);
        }
        for (int i = 0; i < np; i++) {
            float ui = u[i], r = rs[rp + i], ai = a[i];
            float q = Math.max(ui * -invS + 1f, 0f);
            float ar = ui >= S ? 0f : ai * r;
            gu[i] = gu[i] + r * dS - ar * invS;
            float an = ai * q + ui * dS;
            a[i] = an;
            float x = an * rs[nextRp + i] * ui;
            acc[i & (W - 1)] += ui >= nextS ? 0f : x;
        }
        return FloatMath.sumLanes(acc, 0);
    }

    @Override
    void mulScaled(float[] x, float[] y, int np, float c, float[] out, int oo) {
        for (int i = 0; i < np; i++) out[oo + i] = x[i] * y[i] * c;
    }

    @Override
    float limitPass(float[] E, float[] F, float[] g, int go, int np, float c, float[] sums, float[] acc) {
        for (int i = 0; i < np; i++) {
            float e = E[i] * c;
            float em = FloatMath.exp(-e), fi = e * em;
            acc[i & (W - 1)] += em;
            acc[W + (i & (W - 1))] += fi;
            acc[2 * W + (i & (W - 1))] += fi * g[go + i];
            F[i] = fi;
        }
        sums[0] = FloatMath.sumLanes(acc, 0);
        sums[1] = FloatMath.sumLanes(acc, 2 * W);
        return FloatMath.sumLanes(acc, W);
    }

    @Override
    void limitOut(float[] g, int go, float[] F, int np, float ratio, float invT) {
        for (int i = 0; i < np; i++) g[go + i] = (g[go + i] - ratio) * F[i] * invT;
    }

    @Override
    void softmaxSums(float[] d, int dof, int np, float mx, float[] e, float[] sums, float[] acc) {
        for (int i = 0; i < np; i++) {
            float x = d[dof + i] - mx, ex = FloatMath.exp(x);
            e[i] = ex;
            acc[i & (W - 1)] += ex;
            acc[W + (i & (W - 1))] += ex * x;
        }
        sums[0] = FloatMath.sumLanes(acc, 0);
        sums[1] = FloatMath.sumLanes(acc, W);
    }

    @Override
    void entropyOut(float[] d, int dof, float[] e, float[] g, int go, int np, float c, float wz) {
        for (int i = 0; i < np; i++) g[go + i] = (d[dof + i] + c) * e[i] * wz + g[go + i];
    }
}
