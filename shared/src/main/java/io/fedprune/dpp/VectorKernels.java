package io.fedprune.dpp;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static io.fedprune.dpp.FloatMath.W;

/**
 * The loop primitives of {@link RowKernels} with the JDK Vector API ({@code jdk.incubator.vector}); loaded
 * reflectively by {@link RowKernels#select} only when the module is present. Every loop is the lane-wise form of the
 * loop of the same name in {@link ScalarKernels}, the same float operations in the same order, so both give the same
 * bits (see {@link FloatMath}): own {@link #exp} and {@link #negLogCoarse} instead of {@code VectorOperators.EXP}/{@code LOG}
 * (whose results depend on the JIT tier), sums over 8 virtual lanes instead of {@code reduceLanes(ADD)} (unspecified
 * order), fused multiply-add exactly where the scalar form has {@code Math.fma}.
 *
 * <p>Vectors have at most 8 lanes (256 bits; on AVX-512 hardware too). With 8 lanes (K = 1) a sum is one vector
 * register; with fewer lanes (128-bit SIMD, K = 8 / L vectors per 8 lanes) vector {@code x} of row elements
 * {@code [i, i + L)} is added to the lanes {@code acc[i % 8 ..)} in memory. K is a constant, so C2 keeps one branch.
 *
 * <p>No vector crosses a method boundary here (apart from the Vector API's own, force-inlined methods): a helper
 * taking or returning a FloatVector that C2 does not inline (it refuses callees that already have big compiled code,
 * and stops inlining at a node count limit) boxes the vector on every call, 20-30x slower. So exp and log are in-place
 * loops over arrays, the loops are small methods, no loop selects between vectors by a condition, and accumulators
 * start from {@code FloatVector.zero(FS)}, not from a static final vector (C2 boxes a loop variable that starts
 * from a vector constant).
 */
final class VectorKernels extends RowKernels {
    /** The preferred species, at most 8 lanes (a power of two, so it divides {@link FloatMath#W}). */
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED.length() >= W ? FloatVector.SPECIES_256
            : FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());
    private static final int L = FS.length();
    /** Vectors per 8 virtual lanes: 1 (sums in a register) or more (sums in memory lanes). */
    private static final int K = W / L;
    /** Gumbel noise is made in blocks of this many keys (4 KB, stays in L1 between the passes). */
    private static final int BLOCK = 1024;
    private static final int[] IOTA = new int[L];

    static {
        for (int i = 0; i < L; i++) IOTA[i] = i;
    }

    @Override
    boolean vectorized() {
        return true;
    }

    // ------------------------------------------------------------------ lane-wise twins of FloatMath

    /** {@code x[i] = FloatMath.exp(x[i])} for {@code i in [from, to)}, to - from a multiple of L. */
    static void exp(float[] x, int from, int to) {
        for (int i = from; i < to; i += L) {
            // the clamp by compare and blend (the same values: the bound is not 0, NaN stays NaN); FloatVector max
            // follows Java's NaN and -0 rules at several instructions
            FloatVector x0 = FloatVector.fromArray(FS, x, i);
            FloatVector xc = x0.blend(FloatMath.EXP_MIN, x0.compare(VectorOperators.LT, FloatMath.EXP_MIN));
            FloatVector t = xc.mul(FloatMath.LOG2E).add(FloatMath.ROUND);
            IntVector n = t.reinterpretAsInts().sub(FloatMath.ROUND_BITS);
            FloatVector nf = t.sub(FloatMath.ROUND);
            FloatVector r = nf.fma(FloatVector.broadcast(FS, -FloatMath.LN2_LO), nf.fma(FloatVector.broadcast(FS, -FloatMath.LN2_HI), xc));
            FloatVector r2 = r.mul(r);
            FloatVector p = r.fma(FloatVector.broadcast(FS, FloatMath.E3), FloatVector.broadcast(FS, FloatMath.E2))
                    .fma(r2, r.fma(FloatVector.broadcast(FS, FloatMath.E1), FloatVector.broadcast(FS, FloatMath.E0)));
            IntVector n1 = n.lanewise(VectorOperators.ASHR, 1), n2 = n.sub(n1);
            p.fma(r2, r).add(1f)
                    .mul(n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .mul(n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats()).intoArray(x, i);
        }
    }

    /** {@code x[i] = -FloatMath.logCoarse(x[i])} for {@code i in [from, to)} (positive normal x), to - from a multiple of L. */
    static void negLogCoarse(float[] x, int from, int to) {
        for (int i = from; i < to; i += L) {
            IntVector ix = FloatVector.fromArray(FS, x, i).reinterpretAsInts().add(FloatMath.LOG_SHIFT);
            FloatVector fe = (FloatVector) ix.lanewise(VectorOperators.LSHR, 23).sub(127).convert(VectorOperators.I2F, 0);
            FloatVector f = ix.and(0x007fffff).add(FloatMath.SQRT_HALF_BITS).reinterpretAsFloats().sub(1f);
            FloatVector z = f.mul(f);
            FloatVector p = f.fma(FloatVector.broadcast(FS, FloatMath.H1), FloatVector.broadcast(FS, FloatMath.H0))
                    .add(z.mul(f.fma(FloatVector.broadcast(FS, FloatMath.H3), FloatVector.broadcast(FS, FloatMath.H2))))
                    .add(z.mul(z).mul(FloatMath.H4));
            z.fma(f.fma(p, FloatVector.broadcast(FS, -0.5f)), f).add(fe.mul(FloatMath.LN2)).neg().intoArray(x, i);
        }
    }

    /** {@link FloatMath#sumLanes} of {@code acc[base..base+8)}: the same tree, its levels w >= L lane-wise. */
    private static float sumLanes(float[] acc, int base) {
        int w = W / 2;
        for (; w >= L; w /= 2)
            for (int j = base; j < base + w; j += L)
                FloatVector.fromArray(FS, acc, j).add(FloatVector.fromArray(FS, acc, j + w)).intoArray(acc, j);
        for (; w >= 1; w /= 2)
            for (int j = base; j < base + w; j++) acc[j] = acc[j] + acc[j + w];
        float s = acc[base];
        java.util.Arrays.fill(acc, base, base + W, 0f);
        return s;
    }

    // ------------------------------------------------------------------ element-wise kernels

    @Override
    void perturb(float[] d, float[] keys, int from, int to, long key, float scale) {
        int k1 = (int) key, k2 = (int) (key >>> 32);
        IntVector iota = IntVector.fromArray(IS, IOTA, 0);
        int i = from;
        for (int end; (end = Math.min(i + BLOCK, (to - i) / L * L + i)) > i; i = end) {   // blocks of whole vectors
            for (int j = i; j < end; j += L) {              // Gumbel.uniform, lane-wise, into keys
                IntVector x = iota.add(j + k1).mul(0x9E3779B9).lanewise(VectorOperators.XOR, k2);
                x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16)).mul(0x85EBCA6B);
                x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 13)).mul(0xC2B2AE35);
                x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
                IntVector b = x.lanewise(VectorOperators.LSHR, 9).lanewise(VectorOperators.LSHL, 1).lanewise(VectorOperators.OR, 1);
                ((FloatVector) b.convert(VectorOperators.I2F, 0)).mul(0x1.0p-24f).intoArray(keys, j);
            }
            // -log u, then the Gumbel -log(-log u), from ONE call site: C2 inlines each call site of the log's vector code,
            // and with two inlined copies the compiled perturb lost its vector intrinsics in about 1 JVM of 3 (fc1's
            // perturb 1.1-1.3 ms instead of 0.24); with one, 1 of 14 (0.19 ms in the others). Same operations, same bits.
            for (int pass = 0; pass < 2; pass++) negLogCoarse(keys, i, end);
            for (int j = i; j < end; j += L)
                FloatVector.fromArray(FS, d, j).add(FloatVector.fromArray(FS, keys, j).mul(scale)).intoArray(keys, j);
        }
        ScalarKernels.INSTANCE.perturb(d, keys, i, to, key, scale);
    }

    /**
     * Finds a threshold m with exactly k values {@code > m} by a search on the counts: the first guess is the row's
     * threshold of the previous draw (left in {@code stats} by the last call; the logits move little between draws),
     * then the bracket [lo, hi] shrinks by interpolating the counts linearly (falling back to bisection when a side
     * repeats), typically in 3-6 passes instead of the 25-35 of a plain bisection. The mask {@code v > m} and the stats
     * do not depend on which m is found, so the result is that of {@link Relax#topK}.
     */
    @Override
    void topK(float[] keys, int off, int n, int k, float[] mask, Scratch s, float[] stats, int soff) {
        boolean direct = n % L == 0;
        float[] v = direct ? keys : s.f;
        int vo = direct ? off : 0;
        int np = direct ? n : FloatMath.stage(keys, off, n, v, Float.NEGATIVE_INFINITY);
        float m = 0.5f * (stats[soff] + stats[soff + 1]);                        // the previous draw's threshold
        // first pass: min, max and the count above the first guess
        FloatVector mnv = FloatVector.broadcast(FS, Float.POSITIVE_INFINITY), mxv = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        FloatVector cv = FloatVector.zero(FS);
        for (int i = 0; i < np; i += L) {
            FloatVector x = FloatVector.fromArray(FS, v, vo + i);
            mnv = mnv.min(x);
            mxv = mxv.max(x);
            cv = cv.add(1f, x.compare(VectorOperators.GT, m));
        }
        int counted = (int) cv.reduceLanes(VectorOperators.ADD);                // count(v > m), -1 once m moved
        float hi = mxv.reduceLanes(VectorOperators.MAX), lo = direct ? mnv.reduceLanes(VectorOperators.MIN) : min(v, n);
        float mid = Float.NaN;
        boolean found = false;
        if (k < n && Float.isFinite(hi) && Float.isFinite(lo)) {
            lo = Math.nextDown(lo);                                              // count(v > lo) = n > k, count(v > hi) = 0 < k
            int clo = n, chi = 0, lastSide = 0;
            for (int it = 0; it < 96; it++) {
                if (!(m > lo && m < hi)) {
                    m = 0.5f * (lo + hi);
                    counted = -1;
                }
                if (!(m > lo && m < hi)) break;                                  // adjacent floats: a tie at the boundary
                int c = counted >= 0 ? counted : countGreater(v, vo, np, m);
                counted = -1;
                if (c == k) {
                    mid = m;
                    found = true;
                    break;
                }
                int side = c > k ? 1 : -1;
                if (c > k) {
                    lo = m;
                    clo = c;
                } else {
                    hi = m;
                    chi = c;
                }
                // interpolate the count k + 1/2 between the ends; bisect when the same end moved twice in a row
                m = side == lastSide ? 0.5f * (lo + hi) : lo + (hi - lo) * ((clo - k - 0.5f) / (clo - chi));
                lastSide = side == lastSide ? 0 : side;
            }
        }
        if (!found) {                                                            // ties, NaN, k = n: exact scalar path
            Relax.topK(keys, off, n, k, mask, off, s.a, stats, soff);
            return;
        }
        // the k values > mid are the top k; min and max are exact in any order
        FloatVector one = FloatVector.broadcast(FS, 1f);
        FloatVector mn = FloatVector.broadcast(FS, Float.POSITIVE_INFINITY), mx = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector x = FloatVector.fromArray(FS, v, vo + i);
            VectorMask<Float> gt = x.compare(VectorOperators.GT, mid);
            FloatVector.zero(FS).blend(one, gt).intoArray(mask, off + i);
            mn = mn.min(x.blend(Float.POSITIVE_INFINITY, gt.not()));
            mx = mx.max(x.blend(Float.NEGATIVE_INFINITY, gt));
        }
        float thr = mn.reduceLanes(VectorOperators.MIN), nxt = mx.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            float x = v[vo + i];
            boolean keep = x > mid;
            mask[off + i] = keep ? 1f : 0f;
            if (keep) thr = Math.min(thr, x);
            else nxt = Math.max(nxt, x);
        }
        stats[soff] = thr;
        stats[soff + 1] = nxt;
    }

    /**
     * The number of {@code v[vo..vo+np)} greater than m: per-lane counts (exact in float, so in any order) in four
     * independent accumulators, so that the loop is not bound by the latency of one accumulator's additions.
     */
    private static int countGreater(float[] v, int vo, int np, float m) {
        FloatVector c0 = FloatVector.zero(FS), c1 = FloatVector.zero(FS), c2 = FloatVector.zero(FS), c3 = FloatVector.zero(FS);
        int i = 0;
        for (; i + 4 * L <= np; i += 4 * L) {
            c0 = c0.add(1f, FloatVector.fromArray(FS, v, vo + i).compare(VectorOperators.GT, m));
            c1 = c1.add(1f, FloatVector.fromArray(FS, v, vo + i + L).compare(VectorOperators.GT, m));
            c2 = c2.add(1f, FloatVector.fromArray(FS, v, vo + i + 2 * L).compare(VectorOperators.GT, m));
            c3 = c3.add(1f, FloatVector.fromArray(FS, v, vo + i + 3 * L).compare(VectorOperators.GT, m));
        }
        for (; i < np; i += L) c0 = c0.add(1f, FloatVector.fromArray(FS, v, vo + i).compare(VectorOperators.GT, m));
        return (int) c0.add(c1).add(c2.add(c3)).reduceLanes(VectorOperators.ADD);
    }

    private static float min(float[] v, int n) {
        FloatVector mn = FloatVector.broadcast(FS, Float.POSITIVE_INFINITY);
        int i = 0;
        for (; i + L <= n; i += L) mn = mn.min(FloatVector.fromArray(FS, v, i));
        float m = mn.reduceLanes(VectorOperators.MIN);
        for (; i < n; i++) m = Math.min(m, v[i]);
        return m;
    }

    @Override
    float max(float[] v, int vo, int n) {
        FloatVector mx = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i + L <= n; i += L) mx = mx.max(FloatVector.fromArray(FS, v, vo + i));
        float m = mx.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, v[vo + i]);
        return m;
    }

    @Override
    void expandMul(float[] w, float[] mask, int cFrom, int cTo, int e, float[] weff) {
        int i = cFrom;
        if (e == 1)
            for (; i + L <= cTo; i += L) FloatVector.fromArray(FS, w, i).mul(FloatVector.fromArray(FS, mask, i)).intoArray(weff, i);
        ScalarKernels.INSTANCE.expandMul(w, mask, i, cTo, e, weff);
    }

    @Override
    void reduceMul(float[] gw, float[] w, int cFrom, int cTo, int e, float[] g) {
        int i = cFrom;
        if (e == 1)
            for (; i + L <= cTo; i += L) FloatVector.fromArray(FS, gw, i).mul(FloatVector.fromArray(FS, w, i)).intoArray(g, i);
        ScalarKernels.INSTANCE.reduceMul(gw, w, i, cTo, e, g);
    }

    @Override
    void adam(float[] p, float[] g, float[] m, float[] v, int from, int to, AdamStep a) {
        int i = from;
        for (; i + L <= to; i += L) {
            FloatVector gi = FloatVector.fromArray(FS, g, i);
            FloatVector mi = FloatVector.fromArray(FS, m, i).mul(a.b1()).add(gi.mul(a.c1()));
            FloatVector vi = FloatVector.fromArray(FS, v, i).mul(a.b2()).add(gi.mul(gi).mul(a.c2()));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            FloatVector.fromArray(FS, p, i).sub(mi.mul(a.step()).div(vi.sqrt().mul(a.ic2()).add(a.eps()))).intoArray(p, i);
        }
        ScalarKernels.INSTANCE.adam(p, g, m, v, i, to, a);
    }

    // ------------------------------------------------------------------ loop primitives on rows
    //
    // Sums: "if (K == 1) a = a.add(x); else <add x to the memory lanes acc[i % 8 ..)>", then
    // "if (K == 1) a.intoArray(acc, 0)" and sumLanes(acc, 0).

    @Override
    void expShifted(float[] x, int xo, int np, float scale, float shift, float floor, float[] out) {
        for (int i = 0; i < np; i += L) {
            FloatVector y = FloatVector.fromArray(FS, x, xo + i).mul(scale).sub(shift);
            y.blend(floor, y.compare(VectorOperators.LT, floor)).intoArray(out, i);       // max(y, floor), NaN stays
        }
        exp(out, 0, np);
    }

    @Override
    float sum(float[] x, int np, float[] acc) {
        FloatVector a = FloatVector.zero(FS);
        for (int i = 0; i < np; i += L) {
            FloatVector t = FloatVector.fromArray(FS, x, i);
            if (K == 1) a = a.add(t);
            else FloatVector.fromArray(FS, acc, i & (W - 1)).add(t).intoArray(acc, i & (W - 1));
        }
        if (K == 1) a.intoArray(acc, 0);
        return sumLanes(acc, 0);
    }

    @Override
    float nextMass(float[] u, float[] rs, int src, int dst, int np, float invS, float[] acc) {
        FloatVector a = FloatVector.zero(FS);
        for (int i = 0; i < np; i += L) {
            FloatVector ui = FloatVector.fromArray(FS, u, i);
            FloatVector r = FloatVector.fromArray(FS, rs, src + i).mul(ui.mul(-invS).add(1f).max(0f));
            r.intoArray(rs, dst + i);
            FloatVector t = ui.mul(r);
            if (K == 1) a = a.add(t);
            else FloatVector.fromArray(FS, acc, i & (W - 1)).add(t).intoArray(acc, i & (W - 1));
        }
        if (K == 1) a.intoArray(acc, 0);
        return sumLanes(acc, 0);
    }

    @Override
    float backSum(float[] a, float[] rs, int rp, float[] u, int np, float S, float[] acc) {
        FloatVector s = FloatVector.zero(FS);
        for (int i = 0; i < np; i += L) {
            FloatVector ui = FloatVector.fromArray(FS, u, i);
            FloatVector t = FloatVector.fromArray(FS, a, i).mul(FloatVector.fromArray(FS, rs, rp + i)).mul(ui)
                    .blend(0f, ui.compare(VectorOperators.GE, S));
            if (K == 1) s = s.add(t);
            else FloatVector.fromArray(FS, acc, i & (W - 1)).add(t).intoArray(acc, i & (W - 1));
        }
        if (K == 1) s.intoArray(acc, 0);
        return sumLanes(acc, 0);
    }

    @Override
    float backStep(float[] a, float[] rs, int rp, float[] u, float[] gu, int np, float S, float invS, float dS,
                   int nextRp, float nextS, float[] acc) {
        FloatVector s = FloatVector.zero(FS);
        if (S > 1f) {                                       // u <= 1 < S: nothing clipped at this stage
            for (int i = 0; i < np; i += L) {
                FloatVector ui = FloatVector.fromArray(FS, u, i);
                FloatVector r = FloatVector.fromArray(FS, rs, rp + i);
                FloatVector ai = FloatVector.fromArray(FS, a, i);
                FloatVector.fromArray(FS, gu, i).add(r.mul(ai.mul(-invS).add(dS))).intoArray(gu, i);
                FloatVector an = ai.mul(ui.mul(-invS).add(1f)).add(ui.mul(dS));
                an.intoArray(a, i);
                FloatVector t = an.mul(FloatVector.fromArray(FS, rs, nextRp + i)).mul(ui)
                        .blend(0f, ui.compare(VectorOperators.GE, nextS));
                if (K == 1) s = s.add(t);
                else FloatVector.fromArray(FS, acc, i & (W - 1)).add(t).intoArray(acc, i & (W - 1));
            }
        } else {
            for (int i = 0; i < np; i += L) {
                FloatVector ui = FloatVector.fromArray(FS, u, i);
                FloatVector r = FloatVector.fromArray(FS, rs, rp + i);
                FloatVector ai = FloatVector.fromArray(FS, a, i);
                FloatVector q = ui.mul(-invS).add(1f).max(0f);
                FloatVector ar = ai.mul(r).blend(0f, ui.compare(VectorOperators.GE, S));
                FloatVector.fromArray(FS, gu, i).add(r.mul(dS)).sub(ar.mul(invS)).intoArray(gu, i);
                FloatVector an = ai.mul(q).add(ui.mul(dS));
                an.intoArray(a, i);
                FloatVector t = an.mul(FloatVector.fromArray(FS, rs, nextRp + i)).mul(ui)
                        .blend(0f, ui.compare(VectorOperators.GE, nextS));
                if (K == 1) s = s.add(t);
                else FloatVector.fromArray(FS, acc, i & (W - 1)).add(t).intoArray(acc, i & (W - 1));
            }
        }
        if (K == 1) s.intoArray(acc, 0);
        return sumLanes(acc, 0);
    }

    @Override
    void mulScaled(float[] x, float[] y, int np, float c, float[] out, int oo) {
        for (int i = 0; i < np; i += L) FloatVector.fromArray(FS, x, i).mul(FloatVector.fromArray(FS, y, i)).mul(c).intoArray(out, oo + i);
    }

    @Override
    float limitPass(float[] E, float[] F, float[] g, int go, int np, float c, float[] sums, float[] acc) {
        for (int i = 0; i < np; i += L) FloatVector.fromArray(FS, E, i).mul(c).neg().intoArray(F, i);
        exp(F, 0, np);                                      // em = exp(-e)
        FloatVector a = FloatVector.zero(FS), b = FloatVector.zero(FS), q = FloatVector.zero(FS);
        for (int i = 0; i < np; i += L) {
            FloatVector e = FloatVector.fromArray(FS, E, i).mul(c), em = FloatVector.fromArray(FS, F, i);
            FloatVector fi = e.mul(em), fg = fi.mul(FloatVector.fromArray(FS, g, go + i));
            fi.intoArray(F, i);
            if (K == 1) {
                a = a.add(em);
                b = b.add(fi);
                q = q.add(fg);
            } else {
                int h = i & (W - 1);
                FloatVector.fromArray(FS, acc, h).add(em).intoArray(acc, h);
                FloatVector.fromArray(FS, acc, W + h).add(fi).intoArray(acc, W + h);
                FloatVector.fromArray(FS, acc, 2 * W + h).add(fg).intoArray(acc, 2 * W + h);
            }
        }
        if (K == 1) {
            a.intoArray(acc, 0);
            b.intoArray(acc, W);
            q.intoArray(acc, 2 * W);
        }
        sums[0] = sumLanes(acc, 0);
        sums[1] = sumLanes(acc, 2 * W);
        return sumLanes(acc, W);
    }

    @Override
    void limitOut(float[] g, int go, float[] F, int np, float ratio, float invT) {
        for (int i = 0; i < np; i += L)
            FloatVector.fromArray(FS, g, go + i).sub(ratio).mul(FloatVector.fromArray(FS, F, i)).mul(invT).intoArray(g, go + i);
    }

    @Override
    void softmaxSums(float[] d, int dof, int np, float mx, float[] e, float[] sums, float[] acc) {
        for (int i = 0; i < np; i += L) FloatVector.fromArray(FS, d, dof + i).sub(mx).intoArray(e, i);
        exp(e, 0, np);
        FloatVector a = FloatVector.zero(FS), b = FloatVector.zero(FS);
        for (int i = 0; i < np; i += L) {
            FloatVector x = FloatVector.fromArray(FS, d, dof + i).sub(mx), ex = FloatVector.fromArray(FS, e, i), xe = ex.mul(x);
            if (K == 1) {
                a = a.add(ex);
                b = b.add(xe);
            } else {
                int h = i & (W - 1);
                FloatVector.fromArray(FS, acc, h).add(ex).intoArray(acc, h);
                FloatVector.fromArray(FS, acc, W + h).add(xe).intoArray(acc, W + h);
            }
        }
        if (K == 1) {
            a.intoArray(acc, 0);
            b.intoArray(acc, W);
        }
        sums[0] = sumLanes(acc, 0);
        sums[1] = sumLanes(acc, W);
    }

    @Override
    void entropyOut(float[] d, int dof, float[] e, float[] g, int go, int np, float c, float wz) {
        for (int i = 0; i < np; i += L)
            FloatVector.fromArray(FS, d, dof + i).add(c).mul(FloatVector.fromArray(FS, e, i)).mul(wz)
                    .add(FloatVector.fromArray(FS, g, go + i)).intoArray(g, go + i);
    }
}
