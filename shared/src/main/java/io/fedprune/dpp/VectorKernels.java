package io.fedprune.dpp;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The per-group kernels with the JDK Vector API ({@code jdk.incubator.vector}), float arithmetic. Loaded
 * reflectively by {@link RowKernels#select} only when the module is present; same results as {@link ScalarKernels}
 * up to float rounding (the same noise stream, the same masks barring near-ties, gradients to ~1e-3 relative).
 * Rows are staged in per-thread scratch padded to a multiple of the vector length.
 */
final class VectorKernels implements RowKernels {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());
    private static final int L = FS.length();
    private static final int[] IOTA = new int[L];
    private static final float EMAX = (float) Math.exp(30.0);

    static {
        for (int i = 0; i < L; i++) IOTA[i] = i;
    }

    @Override
    public boolean vectorized() {
        return true;
    }

    private static int padded(int n) {
        return (n + L - 1) / L * L;
    }

    @Override
    public void perturb(float[] d, float[] keys, int from, int to, long key, float scale) {
        int k1 = (int) key, k2 = (int) (key >>> 32);
        IntVector iota = IntVector.fromArray(IS, IOTA, 0);
        int i = from;
        for (; i + L <= to; i += L) {
            IntVector x = iota.add(i + k1).mul(0x9E3779B9).lanewise(VectorOperators.XOR, k2);
            x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16)).mul(0x85EBCA6B);
            x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 13)).mul(0xC2B2AE35);
            x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
            IntVector b = x.lanewise(VectorOperators.LSHR, 9).lanewise(VectorOperators.LSHL, 1).lanewise(VectorOperators.OR, 1);
            FloatVector u = ((FloatVector) b.convert(VectorOperators.I2F, 0)).mul(0x1.0p-24f);
            FloatVector g = u.lanewise(VectorOperators.LOG).neg().lanewise(VectorOperators.LOG).neg();
            FloatVector.fromArray(FS, d, i).add(g.mul(scale)).intoArray(keys, i);
        }
        for (; i < to; i++) keys[i] = d[i] + scale * Gumbel.gumbel(key, i);
    }

    /** Copies a row into {@code buf[0..n)} and fills {@code [n, padded(n))} with {@code pad}; returns padded(n). */
    private static int stage(float[] src, int off, int n, float[] buf, float pad) {
        System.arraycopy(src, off, buf, 0, n);
        int np = padded(n);
        for (int i = n; i < np; i++) buf[i] = pad;
        return np;
    }

    @Override
    public void topK(float[] keys, int off, int n, int k, float[] mask, Scratch s, float[] stats, int soff) {
        float[] v = s.f;
        int np = stage(keys, off, n, v, Float.NEGATIVE_INFINITY);
        float hi = maxOf(v, 0, n), lo = minOf(v, 0, n);
        float mid = Float.NaN;
        boolean found = false;
        if (k < n && Float.isFinite(hi) && Float.isFinite(lo)) {
            lo = Math.nextDown(lo);                                              // count(v > lo) = n > k, count(v > hi) = 0 < k
            IntVector one = IntVector.broadcast(IS, 1);
            for (int it = 0; it < 64; it++) {
                float m = 0.5f * (lo + hi);
                if (!(m > lo && m < hi)) break;                                  // adjacent floats: a tie at the boundary
                IntVector cv = IntVector.zero(IS);
                for (int i = 0; i < np; i += L) cv = cv.add(one, FloatVector.fromArray(FS, v, i).compare(VectorOperators.GT, m).cast(IS));
                int c = cv.reduceLanes(VectorOperators.ADD);
                if (c == k) {
                    mid = m;
                    found = true;
                    break;
                }
                if (c > k) lo = m;
                else hi = m;
            }
        }
        if (!found) {                                                            // ties, NaN, k = n: exact scalar path
            Relax.topK(keys, off, n, k, mask, off, s.a, stats, soff);
            return;
        }
        FloatVector one = FloatVector.broadcast(FS, 1f), zero = FloatVector.zero(FS);
        FloatVector mn = FloatVector.broadcast(FS, Float.POSITIVE_INFINITY), mx = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector x = FloatVector.fromArray(FS, v, i);
            VectorMask<Float> gt = x.compare(VectorOperators.GT, mid);
            zero.blend(one, gt).intoArray(mask, off + i);
            mn = mn.min(x.blend(Float.POSITIVE_INFINITY, gt.not()));
            mx = mx.max(x.blend(Float.NEGATIVE_INFINITY, gt));
        }
        float thr = mn.reduceLanes(VectorOperators.MIN), nxt = mx.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            float x = v[i];
            boolean keep = x > mid;
            mask[off + i] = keep ? 1f : 0f;
            if (keep) thr = Math.min(thr, x);
            else nxt = Math.max(nxt, x);
        }
        stats[soff] = thr;
        stats[soff + 1] = nxt;
    }

    private static float minOf(float[] v, int off, int n) {
        FloatVector mn = FloatVector.broadcast(FS, Float.POSITIVE_INFINITY);
        int i = 0;
        for (; i + L <= n; i += L) mn = mn.min(FloatVector.fromArray(FS, v, off + i));
        float m = mn.reduceLanes(VectorOperators.MIN);
        for (; i < n; i++) m = Math.min(m, v[off + i]);
        return m;
    }

    private static float maxOf(float[] v, int off, int n) {
        FloatVector mx = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i + L <= n; i += L) mx = mx.max(FloatVector.fromArray(FS, v, off + i));
        float m = mx.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, v[off + i]);
        return m;
    }

    @Override
    public void expandMul(float[] w, float[] mask, int cFrom, int cTo, int e, float[] weff) {
        if (e != 1) {
            ScalarKernels.INSTANCE.expandMul(w, mask, cFrom, cTo, e, weff);
            return;
        }
        int i = cFrom;
        for (; i + L <= cTo; i += L) FloatVector.fromArray(FS, w, i).mul(FloatVector.fromArray(FS, mask, i)).intoArray(weff, i);
        for (; i < cTo; i++) weff[i] = w[i] * mask[i];
    }

    @Override
    public void reduceMul(float[] gw, float[] w, int cFrom, int cTo, int e, float[] g) {
        if (e != 1) {
            ScalarKernels.INSTANCE.reduceMul(gw, w, cFrom, cTo, e, g);
            return;
        }
        int i = cFrom;
        for (; i + L <= cTo; i += L) FloatVector.fromArray(FS, gw, i).mul(FloatVector.fromArray(FS, w, i)).intoArray(g, i);
        for (; i < cTo; i++) g[i] = gw[i] * w[i];
    }

    @Override
    public void exactGrad(float[] keys, int off, int n, int k, float invT, float[] g, RowKernels.Scratch s) {
        float[] u = s.a, a = s.b, gu = s.c, rs = s.rs;
        int np = stage(keys, off, n, s.f, Float.NEGATIVE_INFINITY);
        float smax = maxOf(s.f, 0, n) * invT;
        float[] sumS = s.sums;
        // forward: u, r^0 = 1, and r^{j+1} = r^j max(1 - u/S_j, 0), S_{j+1} = sum u r^{j+1}
        FloatVector acc = FloatVector.zero(FS);
        for (int i = 0; i < np; i += L) {
            FloatVector x = FloatVector.fromArray(FS, s.f, i).mul(invT).sub(smax).max((float) Relax.FLOOR).lanewise(VectorOperators.EXP);
            x.intoArray(u, i);
            FloatVector.broadcast(FS, 1f).intoArray(rs, i);
        }
        for (int i = n; i < np; i++) u[i] = 0f;
        for (int i = 0; i < np; i += L) acc = acc.add(FloatVector.fromArray(FS, u, i));
        sumS[0] = Math.max(acc.reduceLanes(VectorOperators.ADD), 1e-30f);
        for (int j = 0; j + 1 < k; j++) {
            float invS = 1f / sumS[j];
            int src = j * np, dst = src + np;
            acc = FloatVector.zero(FS);
            for (int i = 0; i < np; i += L) {
                FloatVector ui = FloatVector.fromArray(FS, u, i);
                FloatVector q = ui.mul(-invS).add(1f);
                FloatVector r = FloatVector.fromArray(FS, rs, src + i).mul(sumS[j] > 1f ? q : q.max(0f));
                r.intoArray(rs, dst + i);
                acc = ui.fma(r, acc);
            }
            sumS[j + 1] = Math.max(acc.reduceLanes(VectorOperators.ADD), 1e-30f);
        }
        // backward: a = dL/dr^k = -G
        int i0 = 0;
        for (; i0 + L <= n; i0 += L) FloatVector.fromArray(FS, g, off + i0).neg().intoArray(a, i0);
        for (; i0 < n; i0++) a[i0] = -g[off + i0];
        for (int i = n; i < np; i++) a[i] = 0f;
        for (int i = 0; i < np; i += L) FloatVector.zero(FS).intoArray(gu, i);
        for (int j = k - 1; j >= 0; j--) {
            float Sj = sumS[j], invS = 1f / Sj;
            int rp = j * np;
            FloatVector dsv = FloatVector.zero(FS);
            if (Sj > 1f) {                                          // u <= 1 < S: no clipping at this stage
                for (int i = 0; i < np; i += L)
                    dsv = FloatVector.fromArray(FS, a, i).mul(FloatVector.fromArray(FS, rs, rp + i)).fma(FloatVector.fromArray(FS, u, i), dsv);
                float dS = dsv.reduceLanes(VectorOperators.ADD) * invS * invS;
                for (int i = 0; i < np; i += L) {
                    FloatVector ui = FloatVector.fromArray(FS, u, i);
                    FloatVector r = FloatVector.fromArray(FS, rs, rp + i);
                    FloatVector ai = FloatVector.fromArray(FS, a, i);
                    FloatVector.fromArray(FS, gu, i).add(r.mul(ai.mul(-invS).add(dS))).intoArray(gu, i);
                    ai.mul(ui.mul(-invS).add(1f)).add(ui.mul(dS)).intoArray(a, i);
                }
                continue;
            }
            for (int i = 0; i < np; i += L) {
                FloatVector ui = FloatVector.fromArray(FS, u, i);
                FloatVector ar = FloatVector.fromArray(FS, a, i).mul(FloatVector.fromArray(FS, rs, rp + i));
                dsv = ar.mul(ui).blend(0f, ui.compare(VectorOperators.GE, Sj)).add(dsv);   // q > 0 <=> u < S
            }
            float dS = dsv.reduceLanes(VectorOperators.ADD) * invS * invS;
            for (int i = 0; i < np; i += L) {
                FloatVector ui = FloatVector.fromArray(FS, u, i);
                FloatVector r = FloatVector.fromArray(FS, rs, rp + i);
                FloatVector ai = FloatVector.fromArray(FS, a, i);
                FloatVector q = ui.mul(-invS).add(1f).max(0f);
                FloatVector ar = ai.mul(r).blend(0f, ui.compare(VectorOperators.GE, Sj));
                FloatVector.fromArray(FS, gu, i).add(r.mul(dS)).sub(ar.mul(invS)).intoArray(gu, i);
                ai.mul(q).add(ui.mul(dS)).intoArray(a, i);
            }
        }
        int i = 0;
        for (; i + L <= n; i += L)
            FloatVector.fromArray(FS, gu, i).mul(FloatVector.fromArray(FS, u, i)).mul(invT).intoArray(g, off + i);
        for (; i < n; i++) g[off + i] = gu[i] * u[i] * invT;
    }

    @Override
    public void limitGrad(float[] keys, int off, int n, int k, float invT, float tau0, int maxIter, float[] g, Scratch s) {
        float[] E = s.a, F = s.b;
        int np = stage(keys, off, n, s.f, -Float.MAX_VALUE);
        float smax = maxOf(s.f, 0, n) * invT;
        for (int i = 0; i < np; i += L)
            FloatVector.fromArray(FS, s.f, i).mul(invT).sub(smax).lanewise(VectorOperators.EXP).intoArray(E, i);
        float tau = tau0, sf;
        for (int it = 0; ; it++) {
            float c = (float) Math.exp(Math.min(smax - tau, 80f));
            FloatVector am = FloatVector.zero(FS), af = FloatVector.zero(FS);
            for (int i = 0; i < np; i += L) {
                FloatVector e = FloatVector.fromArray(FS, E, i).mul(c).min(EMAX);
                FloatVector em = e.neg().lanewise(VectorOperators.EXP), f = e.mul(em);
                am = am.add(em);
                af = af.add(f);
                f.intoArray(F, i);
            }
            sf = af.reduceLanes(VectorOperators.ADD);
            float fsum = (np - am.reduceLanes(VectorOperators.ADD)) - k;      // pads have e = 0, em = 1, m = 0
            if (Math.abs(fsum) < 1e-3f * k || it >= maxIter) break;
            tau += (float) Relax.newtonStep(fsum + k, k, sf);
        }
        FloatVector fg = FloatVector.zero(FS);
        int i = 0;
        for (; i + L <= n; i += L) fg = FloatVector.fromArray(FS, F, i).fma(FloatVector.fromArray(FS, g, off + i), fg);
        float sfg = fg.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sfg += F[i] * g[off + i];
        float ratio = sfg / Math.max(sf, 1e-30f);
        for (i = 0; i + L <= n; i += L)
            FloatVector.fromArray(FS, g, off + i).sub(ratio).mul(FloatVector.fromArray(FS, F, i)).mul(invT).intoArray(g, off + i);
        for (; i < n; i++) g[off + i] = F[i] * (g[off + i] - ratio) * invT;
    }

    @Override
    public void addEntropyGrad(float[] d, int off, int n, float weight, float[] g, Scratch s) {
        float[] e = s.a;
        float mx = maxOf(d, off, n);
        FloatVector z = FloatVector.zero(FS), zx = FloatVector.zero(FS);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector x = FloatVector.fromArray(FS, d, off + i).sub(mx), ex = x.lanewise(VectorOperators.EXP);
            ex.intoArray(e, i);
            z = z.add(ex);
            zx = ex.fma(x, zx);
        }
        float zs = z.reduceLanes(VectorOperators.ADD), zxs = zx.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float x = d[off + i] - mx, ex = (float) Math.exp(x);
            e[i] = ex;
            zs += ex;
            zxs += ex * x;
        }
        float lz = (float) Math.log(zs), h = lz - zxs / zs, c = h - mx - lz, wz = -weight / zs;
        // g += weight * -(e/z) * (d - mx - lz + H)
        for (i = 0; i + L <= n; i += L)
            FloatVector.fromArray(FS, d, off + i).add(c).mul(FloatVector.fromArray(FS, e, i)).mul(wz)
                    .add(FloatVector.fromArray(FS, g, off + i)).intoArray(g, off + i);
        for (; i < n; i++) g[off + i] += wz * e[i] * (d[off + i] + c);
    }

    @Override
    public void adam(float[] p, float[] g, float[] m, float[] v, int from, int to, DppConfig cfg, long t) {
        float b1 = (float) cfg.beta1(), b2 = (float) cfg.beta2(), eps = (float) cfg.eps();
        float step = (float) (cfg.lr() / (1 - Math.pow(cfg.beta1(), t)));
        float ic2 = (float) (1 / Math.sqrt(1 - Math.pow(cfg.beta2(), t)));
        float c1 = 1 - b1, c2 = 1 - b2;
        int i = from;
        for (; i + L <= to; i += L) {
            FloatVector gi = FloatVector.fromArray(FS, g, i);
            FloatVector mi = FloatVector.fromArray(FS, m, i).mul(b1).add(gi.mul(c1));
            FloatVector vi = FloatVector.fromArray(FS, v, i).mul(b2).add(gi.mul(gi).mul(c2));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            FloatVector.fromArray(FS, p, i).sub(mi.mul(step).div(vi.sqrt().mul(ic2).add(eps))).intoArray(p, i);
        }
        for (; i < to; i++) {
            float gi = g[i], mi = b1 * m[i] + c1 * gi, vi = b2 * v[i] + c2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            p[i] -= step * mi / ((float) Math.sqrt(vi) * ic2 + eps);
        }
    }
}
