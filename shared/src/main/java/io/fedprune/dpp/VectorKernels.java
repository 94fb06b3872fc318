package io.fedprune.dpp;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static io.fedprune.dpp.FloatMath.W;

/**
 * The per-group kernels with the JDK Vector API ({@code jdk.incubator.vector}). Loaded reflectively by
 * {@link RowKernels#select} only when the module is present. Bit-identical to {@link ScalarKernels}: every loop here
 * is the lane-wise form of the same float operations in the same order (see {@link FloatMath}: own {@link #exp} and
 * {@link #log} instead of {@code VectorOperators.EXP}/{@code LOG}, sums over 16 virtual lanes instead of
 * {@code reduceLanes(ADD)}, no fused multiply-add). Rows are staged in per-thread scratch padded to a multiple of 16
 * ({@link FloatMath#stage}); pads contribute zero to every sum.
 */
final class VectorKernels implements RowKernels {
    /** The preferred species, at most 16 lanes (a power of two, so it divides {@link FloatMath#W}). */
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED.length() > W ? FloatVector.SPECIES_512
            : FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());
    private static final int L = FS.length();
    private static final int[] IOTA = new int[L];

    static {
        for (int i = 0; i < L; i++) IOTA[i] = i;
    }

    @Override
    public boolean vectorized() {
        return true;
    }

    // ------------------------------------------------------------------ lane-wise twins of FloatMath

    /** {@link FloatMath#exp}, lane-wise, the same operations in the same order. */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(FloatMath.EXP_LO).min(FloatMath.EXP_HI);
        FloatVector t = xc.mul(FloatMath.LOG2E).add(FloatMath.ROUND);
        IntVector n = t.reinterpretAsInts().sub(FloatMath.ROUND_BITS);
        FloatVector nf = t.sub(FloatMath.ROUND);
        FloatVector r = xc.sub(nf.mul(FloatMath.LN2_HI)).sub(nf.mul(FloatMath.LN2_LO));
        FloatVector y = r.mul(FloatMath.E0).add(FloatMath.E1).mul(r).add(FloatMath.E2).mul(r).add(FloatMath.E3).mul(r)
                .add(FloatMath.E4).mul(r).add(FloatMath.E5).mul(r.mul(r)).add(r).add(1f);
        IntVector n1 = n.lanewise(VectorOperators.ASHR, 1), n2 = n.sub(n1);
        y = y.mul(n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                .mul(n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
        return y.blend(0f, x.compare(VectorOperators.LT, FloatMath.EXP_LO))
                .blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, FloatMath.EXP_HI));
    }

    /** {@link FloatMath#log}, lane-wise, the same operations in the same order (positive normal x). */
    static FloatVector log(FloatVector x) {
        IntVector bits = x.reinterpretAsInts();
        FloatVector fe = (FloatVector) bits.lanewise(VectorOperators.LSHR, 23).sub(126).convert(VectorOperators.I2F, 0);
        FloatVector m = bits.and(0x007fffff).or(0x3f000000).reinterpretAsFloats();
        VectorMask<Float> small = m.compare(VectorOperators.LT, FloatMath.SQRT_HALF);
        FloatVector f = m.sub(1f).blend(m.add(m).sub(1f), small);
        fe = fe.blend(fe.sub(1f), small);
        FloatVector z = f.mul(f);
        FloatVector y = f.mul(FloatMath.G0).add(FloatMath.G1).mul(f).add(FloatMath.G2).mul(f).add(FloatMath.G3).mul(f)
                .add(FloatMath.G4).mul(f).add(FloatMath.G5).mul(f).add(FloatMath.G6).mul(f).add(FloatMath.G7).mul(f)
                .add(FloatMath.G8).mul(f).mul(z);
        y = y.add(fe.mul(FloatMath.LN2_LO));
        y = y.add(z.mul(-0.5f));
        return f.add(y).add(fe.mul(FloatMath.LN2_HI));
    }

    /** Adds x (row elements {@code [i, i+L)}) into the virtual lanes {@code acc[base + i % W ..)} (see {@link FloatMath}). */
    private static void accumulate(float[] acc, int base, int i, FloatVector x) {
        int h = base + (i & (W - 1));
        FloatVector.fromArray(FS, acc, h).add(x).intoArray(acc, h);
    }

    // ------------------------------------------------------------------ kernels

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
            FloatVector g = log(log(u).neg()).neg();
            FloatVector.fromArray(FS, d, i).add(g.mul(scale)).intoArray(keys, i);
        }
        ScalarKernels.INSTANCE.perturb(d, keys, i, to, key, scale);
    }

    @Override
    public void topK(float[] keys, int off, int n, int k, float[] mask, Scratch s, float[] stats, int soff) {
        float[] v = s.f;
        int np = FloatMath.stage(keys, off, n, v, Float.NEGATIVE_INFINITY);
        float hi = maxOf(v, n), lo = minOf(v, n);
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
                int c = cv.reduceLanes(VectorOperators.ADD);                     // integer: exact in any order
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
        // the k values > mid are the top k; min and max are exact in any order
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

    private static float minOf(float[] v, int n) {
        FloatVector mn = FloatVector.broadcast(FS, Float.POSITIVE_INFINITY);
        int i = 0;
        for (; i + L <= n; i += L) mn = mn.min(FloatVector.fromArray(FS, v, i));
        float m = mn.reduceLanes(VectorOperators.MIN);
        for (; i < n; i++) m = Math.min(m, v[i]);
        return m;
    }

    /** Largest of {@code v[0..n)} (exact; {@link ScalarKernels#maxOf} gives the same value). */
    private static float maxOf(float[] v, int n) {
        FloatVector mx = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i + L <= n; i += L) mx = mx.max(FloatVector.fromArray(FS, v, i));
        float m = mx.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, v[i]);
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
        ScalarKernels.INSTANCE.expandMul(w, mask, i, cTo, 1, weff);
    }

    @Override
    public void reduceMul(float[] gw, float[] w, int cFrom, int cTo, int e, float[] g) {
        if (e != 1) {
            ScalarKernels.INSTANCE.reduceMul(gw, w, cFrom, cTo, e, g);
            return;
        }
        int i = cFrom;
        for (; i + L <= cTo; i += L) FloatVector.fromArray(FS, gw, i).mul(FloatVector.fromArray(FS, w, i)).intoArray(g, i);
        ScalarKernels.INSTANCE.reduceMul(gw, w, i, cTo, 1, g);
    }

    @Override
    public void exactGrad(float[] keys, int off, int n, int k, float invT, float[] g, Scratch s) {
        float[] f = s.f, u = s.a, a = s.b, gu = s.c, rs = s.rs, sums = s.sums, acc = s.acc;
        int np = FloatMath.stage(keys, off, n, f, Float.NEGATIVE_INFINITY);
        Arrays.fill(acc, 0f);
        float smax = maxOf(f, n) * invT;
        // forward: u, r^0 = 1, and r^{j+1} = r^j max(1 - u/S_j, 0), S_{j+1} = sum u r^{j+1}
        FloatVector one = FloatVector.broadcast(FS, 1f);
        for (int i = 0; i < np; i += L) {
            exp(FloatVector.fromArray(FS, f, i).mul(invT).sub(smax).max(ScalarKernels.FLOOR)).intoArray(u, i);
            one.intoArray(rs, i);
        }
        for (int i = n; i < np; i++) u[i] = 0f;
        for (int i = 0; i < np; i += L) accumulate(acc, 0, i, FloatVector.fromArray(FS, u, i));
        sums[0] = Math.max(FloatMath.sumLanes(acc, 0), 1e-30f);
        for (int j = 0; j + 1 < k; j++) {
            float invS = 1f / sums[j];
            boolean clip = !(sums[j] > 1f);
            int src = j * np, dst = src + np;
            for (int i = 0; i < np; i += L) {
                FloatVector ui = FloatVector.fromArray(FS, u, i);
                FloatVector q = ui.mul(-invS).add(1f);
                FloatVector r = FloatVector.fromArray(FS, rs, src + i).mul(clip ? q.max(0f) : q);
                r.intoArray(rs, dst + i);
                accumulate(acc, 0, i, ui.mul(r));
            }
            sums[j + 1] = Math.max(FloatMath.sumLanes(acc, 0), 1e-30f);
        }
        // backward: a = dL/dr^k = -G
        FloatMath.stage(g, off, n, a, 0f);
        for (int i = 0; i < np; i += L) {
            FloatVector.fromArray(FS, a, i).neg().intoArray(a, i);
            FloatVector.zero(FS).intoArray(gu, i);
        }
        for (int j = k - 1; j >= 0; j--) {
            float Sj = sums[j], invS = 1f / Sj;
            int rp = j * np;
            if (Sj > 1f) {                                          // u <= 1 < S: no clipping at this stage
                for (int i = 0; i < np; i += L)
                    accumulate(acc, 0, i, FloatVector.fromArray(FS, a, i).mul(FloatVector.fromArray(FS, rs, rp + i)).mul(FloatVector.fromArray(FS, u, i)));
                float dS = FloatMath.sumLanes(acc, 0) * invS * invS;
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
                accumulate(acc, 0, i, ar.mul(ui).blend(0f, ui.compare(VectorOperators.GE, Sj)));   // q > 0 <=> u < S
            }
            float dS = FloatMath.sumLanes(acc, 0) * invS * invS;
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
        for (int i = 0; i < np; i += L)
            FloatVector.fromArray(FS, gu, i).mul(FloatVector.fromArray(FS, u, i)).mul(invT).intoArray(gu, i);
        System.arraycopy(gu, 0, g, off, n);
    }

    @Override
    public void limitGrad(float[] keys, int off, int n, int k, float invT, float tau0, int maxIter, float[] g, Scratch s) {
        float[] f = s.f, E = s.a, F = s.b, gs = s.c, acc = s.acc;
        int np = FloatMath.stage(keys, off, n, f, -Float.MAX_VALUE);
        FloatMath.stage(g, off, n, gs, 0f);
        Arrays.fill(acc, 0f);
        float smax = maxOf(f, n) * invT;
        for (int i = 0; i < np; i += L) exp(FloatVector.fromArray(FS, f, i).mul(invT).sub(smax)).intoArray(E, i);
        float tau = tau0, sf;
        for (int it = 0; ; it++) {
            float c = ScalarKernels.limitScale(smax, tau);
            for (int i = 0; i < np; i += L) {
                FloatVector e = FloatVector.fromArray(FS, E, i).mul(c).min(ScalarKernels.EMAX);
                FloatVector em = exp(e.neg()), fi = e.mul(em);
                accumulate(acc, 0, i, em);
                accumulate(acc, W, i, fi);
                fi.intoArray(F, i);
            }
            sf = FloatMath.sumLanes(acc, W);
            float fsum = (np - FloatMath.sumLanes(acc, 0)) - k;                // pads have e = 0, em = 1, m = 0
            if (Math.abs(fsum) < 1e-3f * k || it >= maxIter) break;
            tau += (float) Relax.newtonStep(fsum + k, k, sf);
        }
        for (int i = 0; i < np; i += L) accumulate(acc, 0, i, FloatVector.fromArray(FS, F, i).mul(FloatVector.fromArray(FS, gs, i)));
        float ratio = FloatMath.sumLanes(acc, 0) / Math.max(sf, 1e-30f);
        for (int i = 0; i < np; i += L)
            FloatVector.fromArray(FS, gs, i).sub(ratio).mul(FloatVector.fromArray(FS, F, i)).mul(invT).intoArray(gs, i);
        System.arraycopy(gs, 0, g, off, n);
    }

    @Override
    public void addEntropyGrad(float[] d, int off, int n, float weight, float[] g, Scratch s) {
        float[] f = s.f, e = s.a, gs = s.c, acc = s.acc;
        int np = FloatMath.stage(d, off, n, f, -Float.MAX_VALUE);               // pads: e = 0, e * x = -0
        FloatMath.stage(g, off, n, gs, 0f);
        Arrays.fill(acc, 0f);
        float mx = maxOf(f, n);
        for (int i = 0; i < np; i += L) {
            FloatVector x = FloatVector.fromArray(FS, f, i).sub(mx), ex = exp(x);
            ex.intoArray(e, i);
            accumulate(acc, 0, i, ex);
            accumulate(acc, W, i, ex.mul(x));
        }
        float zs = FloatMath.sumLanes(acc, 0), zxs = FloatMath.sumLanes(acc, W);
        float lz = (float) StrictMath.log(zs), h = lz - zxs / zs, c = h - mx - lz, wz = -weight / zs;
        // g += weight * -(e/z) * (d - mx - lz + H)
        for (int i = 0; i < np; i += L)
            FloatVector.fromArray(FS, f, i).add(c).mul(FloatVector.fromArray(FS, e, i)).mul(wz)
                    .add(FloatVector.fromArray(FS, gs, i)).intoArray(gs, i);
        System.arraycopy(gs, 0, g, off, n);
    }

    @Override
    public void adam(float[] p, float[] g, float[] m, float[] v, int from, int to, DppConfig cfg, long t) {
        ScalarKernels.AdamStep a = ScalarKernels.AdamStep.of(cfg, t);
        int i = from;
        for (; i + L <= to; i += L) {
            FloatVector gi = FloatVector.fromArray(FS, g, i);
            FloatVector mi = FloatVector.fromArray(FS, m, i).mul(a.b1()).add(gi.mul(a.c1()));
            FloatVector vi = FloatVector.fromArray(FS, v, i).mul(a.b2()).add(gi.mul(gi).mul(a.c2()));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            FloatVector.fromArray(FS, p, i).sub(mi.mul(a.step()).div(vi.sqrt().mul(a.ic2()).add(a.eps()))).intoArray(p, i);
        }
        ScalarKernels.INSTANCE.adam(p, g, m, v, i, to, cfg, t);
    }
}
