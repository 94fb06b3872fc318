package io.fedprune.dpp;

import java.util.Arrays;

import static io.fedprune.dpp.FloatMath.W;

/**
 * The per-group kernels as plain loops, float arithmetic in a fixed order ({@link FloatMath}): {@code VectorKernels}
 * is the lane-wise form of exactly these loops, and both give the same bits (tested). The maths are those of the
 * double-precision reference {@link Relax} (which the tests compare against). Rows are staged in the scratch padded
 * to a multiple of 16 like in the vector kernels; pads contribute zero to every sum.
 */
final class ScalarKernels implements RowKernels {
    static final ScalarKernels INSTANCE = new ScalarKernels();

    /** Floor of the exact relaxation's shifted scores (see {@link Relax}). */
    static final float FLOOR = (float) Relax.FLOOR;
    /** Cap of {@code e = exp(s - tau)} in the continuous limit: {@code exp(30)}, where {@code exp(-e) = 0}. */
    static final float EMAX = (float) StrictMath.exp(30.0);

    private ScalarKernels() {
    }

    @Override
    public boolean vectorized() {
        return false;
    }

    /** {@code c = exp(min(smax - tau, 80))} of the continuous limit's Newton iteration (one per row and step). */
    static float limitScale(float smax, float tau) {
        return (float) StrictMath.exp(Math.min(smax - tau, 80f));
    }

    /** Adam's per-step float coefficients, {@code step = lr / (1 - b1^t)}, {@code ic2 = 1 / sqrt(1 - b2^t)}. */
    record AdamStep(float b1, float b2, float c1, float c2, float eps, float step, float ic2) {
        static AdamStep of(DppConfig cfg, long t) {
            float b1 = (float) cfg.beta1(), b2 = (float) cfg.beta2();
            return new AdamStep(b1, b2, 1 - b1, 1 - b2, (float) cfg.eps(),
                    (float) (cfg.lr() / (1 - StrictMath.pow(cfg.beta1(), t))),
                    (float) (1 / StrictMath.sqrt(1 - StrictMath.pow(cfg.beta2(), t))));
        }
    }

    /** Largest of {@code v[0..n)}. */
    static float maxOf(float[] v, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) m = Math.max(m, v[i]);
        return m;
    }

    @Override
    public void perturb(float[] d, float[] keys, int from, int to, long key, float scale) {
        for (int i = from; i < to; i++) keys[i] = d[i] + Gumbel.gumbel(key, i) * scale;
    }

    @Override
    public void topK(float[] keys, int off, int n, int k, float[] mask, Scratch s, float[] stats, int soff) {
        Relax.topK(keys, off, n, k, mask, off, s.f, stats, soff);
    }

    @Override
    public void expandMul(float[] w, float[] mask, int cFrom, int cTo, int e, float[] weff) {
        for (int c = cFrom; c < cTo; c++) {
            float m = mask[c];
            for (int i = c * e, end = i + e; i < end; i++) weff[i] = w[i] * m;
        }
    }

    @Override
    public void reduceMul(float[] gw, float[] w, int cFrom, int cTo, int e, float[] g) {
        for (int c = cFrom; c < cTo; c++) {
            float s = 0;
            for (int i = c * e, end = i + e; i < end; i++) s += gw[i] * w[i];
            g[c] = s;
        }
    }

    @Override
    public void exactGrad(float[] keys, int off, int n, int k, float invT, float[] g, Scratch s) {
        float[] f = s.f, u = s.a, a = s.b, gu = s.c, rs = s.rs, sums = s.sums, acc = s.acc;
        int np = FloatMath.stage(keys, off, n, f, Float.NEGATIVE_INFINITY);
        Arrays.fill(acc, 0f);
        float smax = maxOf(f, n) * invT;
        for (int i = 0; i < np; i++) {
            u[i] = FloatMath.exp(Math.max(f[i] * invT - smax, FLOOR));
            rs[i] = 1f;
        }
        for (int i = n; i < np; i++) u[i] = 0f;
        for (int i = 0; i < np; i++) acc[i & (W - 1)] += u[i];
        sums[0] = Math.max(FloatMath.sumLanes(acc, 0), 1e-30f);
        for (int j = 0; j + 1 < k; j++) {
            float invS = 1f / sums[j];
            boolean clip = !(sums[j] > 1f);
            int src = j * np, dst = src + np;
            for (int i = 0; i < np; i++) {
                float q = u[i] * -invS + 1f;
                float r = rs[src + i] * (clip ? Math.max(q, 0f) : q);
                rs[dst + i] = r;
                acc[i & (W - 1)] += u[i] * r;
            }
            sums[j + 1] = Math.max(FloatMath.sumLanes(acc, 0), 1e-30f);
        }
        FloatMath.stage(g, off, n, a, 0f);
        for (int i = 0; i < np; i++) {
            a[i] = -a[i];
            gu[i] = 0f;
        }
        for (int j = k - 1; j >= 0; j--) {
            float Sj = sums[j], invS = 1f / Sj;
            int rp = j * np;
            if (Sj > 1f) {
                for (int i = 0; i < np; i++) acc[i & (W - 1)] += a[i] * rs[rp + i] * u[i];
                float dS = FloatMath.sumLanes(acc, 0) * invS * invS;
                for (int i = 0; i < np; i++) {
                    float ui = u[i], r = rs[rp + i], ai = a[i];
                    gu[i] = gu[i] + r * (ai * -invS + dS);
                    a[i] = ai * (ui * -invS + 1f) + ui * dS;
                }
                continue;
            }
            for (int i = 0; i < np; i++) {
                float ui = u[i], ar = a[i] * rs[rp + i];
                acc[i & (W - 1)] += ui >= Sj ? 0f : ar * ui;
            }
            float dS = FloatMath.sumLanes(acc, 0) * invS * invS;
            for (int i = 0; i < np; i++) {
                float ui = u[i], r = rs[rp + i], ai = a[i];
                float q = Math.max(ui * -invS + 1f, 0f);
                float ar = ui >= Sj ? 0f : ai * r;
                gu[i] = gu[i] + r * dS - ar * invS;
                a[i] = ai * q + ui * dS;
            }
        }
        for (int i = 0; i < np; i++) gu[i] = gu[i] * u[i] * invT;
        System.arraycopy(gu, 0, g, off, n);
    }

    @Override
    public void limitGrad(float[] keys, int off, int n, int k, float invT, float tau0, int maxIter, float[] g, Scratch s) {
        float[] f = s.f, E = s.a, F = s.b, gs = s.c, acc = s.acc;
        int np = FloatMath.stage(keys, off, n, f, -Float.MAX_VALUE);
        FloatMath.stage(g, off, n, gs, 0f);
        Arrays.fill(acc, 0f);
        float smax = maxOf(f, n) * invT;
        for (int i = 0; i < np; i++) E[i] = FloatMath.exp(f[i] * invT - smax);
        float tau = tau0, sf;
        for (int it = 0; ; it++) {
            float c = limitScale(smax, tau);
            for (int i = 0; i < np; i++) {
                float e = Math.min(E[i] * c, EMAX);
                float em = FloatMath.exp(-e), fi = e * em;
                acc[i & (W - 1)] += em;
                acc[W + (i & (W - 1))] += fi;
                F[i] = fi;
            }
            sf = FloatMath.sumLanes(acc, W);
            float fsum = (np - FloatMath.sumLanes(acc, 0)) - k;                // pads have e = 0, em = 1, m = 0
            if (Math.abs(fsum) < 1e-3f * k || it >= maxIter) break;
            tau += (float) Relax.newtonStep(fsum + k, k, sf);
        }
        for (int i = 0; i < np; i++) acc[i & (W - 1)] += F[i] * gs[i];
        float ratio = FloatMath.sumLanes(acc, 0) / Math.max(sf, 1e-30f);
        for (int i = 0; i < np; i++) gs[i] = (gs[i] - ratio) * F[i] * invT;
        System.arraycopy(gs, 0, g, off, n);
    }

    @Override
    public void addEntropyGrad(float[] d, int off, int n, float weight, float[] g, Scratch s) {
        float[] f = s.f, e = s.a, gs = s.c, acc = s.acc;
        int np = FloatMath.stage(d, off, n, f, -Float.MAX_VALUE);
        FloatMath.stage(g, off, n, gs, 0f);
        Arrays.fill(acc, 0f);
        float mx = maxOf(f, n);
        for (int i = 0; i < np; i++) {
            float x = f[i] - mx, ex = FloatMath.exp(x);
            e[i] = ex;
            acc[i & (W - 1)] += ex;
            acc[W + (i & (W - 1))] += ex * x;
        }
        float zs = FloatMath.sumLanes(acc, 0), zxs = FloatMath.sumLanes(acc, W);
        float lz = (float) StrictMath.log(zs), h = lz - zxs / zs, c = h - mx - lz, wz = -weight / zs;
        for (int i = 0; i < np; i++) gs[i] = (f[i] + c) * e[i] * wz + gs[i];
        System.arraycopy(gs, 0, g, off, n);
    }

    @Override
    public void adam(float[] p, float[] g, float[] m, float[] v, int from, int to, DppConfig cfg, long t) {
        AdamStep a = AdamStep.of(cfg, t);
        for (int i = from; i < to; i++) {
            float gi = g[i];
            float mi = m[i] * a.b1() + gi * a.c1(), vi = v[i] * a.b2() + gi * gi * a.c2();
            m[i] = mi;
            v[i] = vi;
            p[i] = p[i] - mi * a.step() / ((float) Math.sqrt(vi) * a.ic2() + a.eps());
        }
    }
}
