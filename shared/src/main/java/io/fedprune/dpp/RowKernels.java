package io.fedprune.dpp;

import java.util.Arrays;

/**
 * The per-group kernels of a DPP step: the row algorithms (exact relaxation, continuous limit, entropy, Adam) are
 * written once here, on top of loop primitives implemented twice: {@link ScalarKernels} (plain loops) and
 * {@code VectorKernels} ({@code jdk.incubator.vector}, loaded by {@link #select} only when that module is in the boot
 * layer). Both implementations use the same float operations in the same order ({@link FloatMath}), so they give the
 * same bits, on every JIT tier and any split of the rows over threads. Gradient kernels work in place: {@code g} holds
 * {@code dL/dA} on entry and {@code dL/dD} on return. Rows of a multiple of 8 candidates are worked on in place, others
 * staged in the per-thread {@link Scratch} and padded to a multiple of 8; pads contribute zero to every sum.
 *
 * <p>The maths are those of the double-precision reference {@link Relax} (the tests compare against it).
 */
abstract class RowKernels {

    /** Floor of the exact relaxation's shifted scores (see {@link Relax}). */
    static final float FLOOR = (float) Relax.FLOOR;

    // ------------------------------------------------------------------ element-wise kernels

    /** {@code keys[i] = d[i] + gumbel(key, i) * scale} for {@code i in [from, to)}. */
    abstract void perturb(float[] d, float[] keys, int from, int to, long key, float scale);

    /** Hard top-k of one row into {@code mask[off..off+n)} (see {@link Relax#topK}); stats = (k-th, (k+1)-th largest). */
    abstract void topK(float[] keys, int off, int n, int k, float[] mask, Scratch s, float[] stats, int soff);

    /** {@code weff[c*e + j] = w[c*e + j] * mask[c]} for candidates {@code c in [cFrom, cTo)}. */
    abstract void expandMul(float[] w, float[] mask, int cFrom, int cTo, int e, float[] weff);

    /** {@code g[c] = sum_j gw[c*e + j] * w[c*e + j]} (in order j = 0..e-1) for candidates {@code c in [cFrom, cTo)}. */
    abstract void reduceMul(float[] gw, float[] w, int cFrom, int cTo, int e, float[] g);

    /** One Adam step on {@code [from, to)}: {@code m = m b1 + g c1; v = v b2 + g g c2; p = p - m step / (sqrt(v) ic2 + eps)}. */
    abstract void adam(float[] p, float[] g, float[] m, float[] v, int from, int to, AdamStep a);

    /** Whether this implementation is vectorised. */
    abstract boolean vectorized();

    // ------------------------------------------------------------------ loop primitives on rows [0, np)
    // (np a multiple of 8; arrays with an offset parameter are rows in place or staged rows, the others scratch)

    /** Largest of {@code v[vo..vo+n)} (exact, any order). */
    abstract float max(float[] v, int vo, int n);

    /** {@code out[i] = exp(max(x[xo + i] * scale - shift, floor))}. */
    abstract void expShifted(float[] x, int xo, int np, float scale, float shift, float floor, float[] out);

    /** Sum of {@code x[i]} (8 virtual lanes, see {@link FloatMath}). */
    abstract float sum(float[] x, int np, float[] acc);

    /**
     * Exact relaxation, forward stage: {@code rs[dst + i] = rs[src + i] * max(u * -invS + 1, 0)}; returns the sum of
     * {@code u * rs[dst + i]}. (The max clips only when {@code S <= 1}: otherwise {@code u <= 1 < S}.)
     */
    abstract float nextMass(float[] u, float[] rs, int src, int dst, int np, float invS, float[] acc);

    /** Exact relaxation, backward: the sum of {@code u < S ? a * rs[rp + i] * u : 0} (stage k-1's). */
    abstract float backSum(float[] a, float[] rs, int rp, float[] u, int np, float S, float[] acc);

    /**
     * Exact relaxation, backward stage, r = {@code rs[rp + i]}: for {@code S > 1} (nothing clipped)
     * {@code gu = gu + r (a * -invS + dS)}, {@code a = a (u * -invS + 1) + u dS}; else {@code ar = u < S ? a r : 0},
     * {@code gu = gu + r dS - ar invS}, {@code a = a max(u * -invS + 1, 0) + u dS}. Returns the next stage's
     * {@link #backSum} with the new a, {@code rs[nextRp + i]} and {@code nextS} (the same loop, the same bits).
     */
    abstract float backStep(float[] a, float[] rs, int rp, float[] u, float[] gu, int np, float S, float invS, float dS,
                            int nextRp, float nextS, float[] acc);

    /** {@code out[oo + i] = x[i] * y[i] * c}. */
    abstract void mulScaled(float[] x, float[] y, int np, float c, float[] out, int oo);

    /**
     * Continuous limit, one Newton pass: {@code e = E c}, {@code em = exp(-e)}, {@code F = e em}; returns the sum of F
     * and stores the sum of em in {@code sums[0]} and that of {@code F * g[go + i]} in {@code sums[1]} (the last pass's
     * is the gradient's). (E <= 1 and c <= exp(80), so e is finite; em = 0 for e >= 104, where
     * the double reference's cap exp(30) gives 0 too.)
     */
    abstract float limitPass(float[] E, float[] F, float[] g, int go, int np, float c, float[] sums, float[] acc);

    /** {@code g[go + i] = (g[go + i] - ratio) * F[i] * invT}. */
    abstract void limitOut(float[] g, int go, float[] F, int np, float ratio, float invT);

    /** Entropy: {@code x = d[dof + i] - mx}, {@code e = exp(x)}; {@code sums[0] = sum e}, {@code sums[1] = sum e x}. */
    abstract void softmaxSums(float[] d, int dof, int np, float mx, float[] e, float[] sums, float[] acc);

    /** Entropy: {@code g[go + i] = (d[dof + i] + c) * e[i] * wz + g[go + i]}. */
    abstract void entropyOut(float[] d, int dof, float[] e, float[] g, int go, int np, float c, float wz);

    // ------------------------------------------------------------------ row algorithms

    /*
     * Rows of a multiple of 8 candidates are read and written in place; other rows are staged in the scratch, padded
     * to a multiple of 8 with values whose terms are zero in every sum (keys -Infinity or -MAX_VALUE, gradients 0).
     */

    /** Exact relaxation's gradient of one row, in place ({@code k < n}; see {@link Relax#exactGrad}). */
    final void exactGrad(float[] keys, int off, int n, int k, float invT, float[] g, Scratch s) {
        float[] u = s.a, a = s.b, gu = s.c, rs = s.rs, S = s.sums, acc = s.acc;
        boolean direct = n % FloatMath.W == 0;
        int np = direct ? n : FloatMath.stage(keys, off, n, s.f, Float.NEGATIVE_INFINITY);
        float[] kx = direct ? keys : s.f;
        int ko = direct ? off : 0;
        // forward: u = exp(max(s - max s, FLOOR)), r^0 = 1, r^{j+1} = r^j max(1 - u/S_j, 0), S_{j+1} = sum u r^{j+1}
        expShifted(kx, ko, np, invT, max(kx, ko, n) * invT, FLOOR, u);
        Arrays.fill(u, n, np, 0f);
        Arrays.fill(rs, 0, np, 1f);
        S[0] = Math.max(sum(u, np, acc), 1e-30f);
        for (int j = 0; j + 1 < k; j++)
            S[j + 1] = Math.max(nextMass(u, rs, j * np, (j + 1) * np, np, 1f / S[j], acc), 1e-30f);
        // backward: a = dL/dr^k = -G
        for (int i = 0; i < n; i++) a[i] = -g[off + i];
        Arrays.fill(a, n, np, 0f);
        Arrays.fill(gu, 0, np, 0f);
        float sum = backSum(a, rs, (k - 1) * np, u, np, S[k - 1], acc);
        for (int j = k - 1; j >= 0; j--) {
            float invS = 1f / S[j], dS = sum * invS * invS;
            int next = Math.max(j - 1, 0);                                      // at j = 0 the sum is not used
            sum = backStep(a, rs, j * np, u, gu, np, S[j], invS, dS, next * np, S[next], acc);
        }
        mulScaled(gu, u, np, invT, direct ? g : gu, direct ? off : 0);
        if (!direct) System.arraycopy(gu, 0, g, off, n);
    }

    /**
     * Continuous limit's gradient of one row, in place ({@code k < n}); Newton from {@code tau0} (see
     * {@link Relax#limitGrad}). Returns the tau it stopped at (the next step's start, see {@link DppLayer}).
     */
    final float limitGrad(float[] keys, int off, int n, int k, float invT, float tau0, int maxIter, float[] g, Scratch s) {
        float[] E = s.a, F = s.b, acc = s.acc, sums = s.sums;
        boolean direct = n % FloatMath.W == 0;
        int np = direct ? n : FloatMath.stage(keys, off, n, s.f, -Float.MAX_VALUE);   // pads: E = 0, em = 1, F = 0
        if (!direct) FloatMath.stage(g, off, n, s.c, 0f);
        float[] kx = direct ? keys : s.f, gx = direct ? g : s.c;
        int o = direct ? off : 0;
        float smax = max(kx, o, n) * invT;
        expShifted(kx, o, np, invT, smax, Float.NEGATIVE_INFINITY, E);          // E = exp(s - max s)
        float tau = tau0, sf;
        for (int it = 0; ; it++) {
            sf = limitPass(E, F, gx, o, np, (float) StrictMath.exp(Math.min(smax - tau, 80f)), sums, acc);
            float excess = (np - sums[0]) - k;                                   // sum of m = 1 - em, minus k
            if (Math.abs(excess) < 1e-3f * k || it >= maxIter) break;
            tau += (float) Relax.newtonStep(excess + k, k, sf);
        }
        limitOut(gx, o, F, np, sums[1] / Math.max(sf, 1e-30f), invT);
        if (!direct) System.arraycopy(s.c, 0, g, off, n);
        return tau;
    }

    /** {@code g += weight * dH(softmax(d_row))/dd} for one row (see {@link Relax#addEntropyGrad}). */
    final void addEntropyGrad(float[] d, int off, int n, float weight, float[] g, Scratch s) {
        float[] e = s.a, acc = s.acc, sums = s.sums;
        boolean direct = n % FloatMath.W == 0;
        int np = direct ? n : FloatMath.stage(d, off, n, s.f, -Float.MAX_VALUE);      // pads: e = 0, e x = -0
        if (!direct) FloatMath.stage(g, off, n, s.c, 0f);
        float[] dx = direct ? d : s.f, gx = direct ? g : s.c;
        int o = direct ? off : 0;
        float mx = max(dx, o, n);
        softmaxSums(dx, o, np, mx, e, sums, acc);
        float z = sums[0], lz = (float) StrictMath.log(z), h = lz - sums[1] / z;
        // g += weight * -(e/z) * (d - mx - lz + H)
        entropyOut(dx, o, e, gx, o, np, h - mx - lz, -weight / z);
        if (!direct) System.arraycopy(s.c, 0, g, off, n);
    }

    /** Adam's per-step float coefficients (see {@link Relax#adam}), step t starting at 1: {@code c1 = 1 - b1}, {@code step = lr / (1 - b1^t)}, {@code ic2 = 1 / sqrt(1 - b2^t)}. */
    record AdamStep(float b1, float b2, float c1, float c2, float eps, float step, float ic2) {
        static AdamStep of(DppConfig cfg, long t) {
            float b1 = (float) cfg.beta1(), b2 = (float) cfg.beta2();
            return new AdamStep(b1, b2, 1 - b1, 1 - b2, (float) cfg.eps(),
                    (float) (cfg.lr() / (1 - StrictMath.pow(cfg.beta1(), t))),
                    (float) (1 / StrictMath.sqrt(1 - StrictMath.pow(cfg.beta2(), t))));
        }
    }

    /**
     * Per-thread scratch sized for rows of n candidates keeping k: staged rows padded to a multiple of 8 ({@link
     * FloatMath#stage}), the exact relaxation's remaining mass per stage and stage sums, virtual-lane accumulators.
     */
    static final class Scratch {
        final float[] f;
        final float[] a, b, c;
        final float[] rs, sums;
        final float[] acc = new float[3 * FloatMath.W];

        Scratch(int n, int k, int exactKMax) {
            int np = FloatMath.padded(n);
            f = new float[np];
            a = new float[np];
            b = new float[np];
            c = new float[np];
            int ke = k >= n ? 0 : Math.min(k, exactKMax);
            rs = new float[ke * np];
            sums = new float[Math.max(ke, 2)];
        }
    }

    /** The vectorised kernels when wanted and available, else the scalar ones. */
    static RowKernels select(boolean vectorized) {
        if (vectorized && VectorSupport.AVAILABLE != null) return VectorSupport.AVAILABLE;
        return ScalarKernels.INSTANCE;
    }

    /** {@code VectorKernels}, loaded only if {@code jdk.incubator.vector} is present. */
    static final class VectorSupport {
        static final RowKernels AVAILABLE = VectorModule.load("io.fedprune.dpp.VectorKernels", RowKernels.class);
    }
}
