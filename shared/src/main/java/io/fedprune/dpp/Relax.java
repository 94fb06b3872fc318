package io.fedprune.dpp;

import java.util.Arrays;

/**
 * The maths of DPP as pure functions on one group (row) of candidates, in double precision: the reference the float
 * training kernels ({@code RowKernels}) are tested against, and the top-k they share. All row functions read
 * {@code n} values from {@code [off, off + n)} of their arrays and support {@code out == g} (in place).
 *
 * <p>Notation: {@code key} = perturbed logits {@code D + s*g} of the row, {@code T} the temperature, scores
 * {@code s_i = key_i / T}; {@code G_i = dL/dA_i}, the loss gradient with respect to the hard mask (for a weight
 * candidate, {@code sum over its weights of dL/dWeff * W}). The straight-through gradient is
 * {@code dL/dD = J^T G} with J the Jacobian of the soft surrogate {@code m(key / T)} with respect to D (so it
 * includes the factor 1/T).
 *
 * <p><b>Exact relaxation</b> (k successive softmaxes, product form of the numpy reference): {@code u_i = exp(max(s_i -
 * max s, -40))}, {@code r^0 = 1}; stage {@code j = 0..k-1}: {@code S_j = max(sum_i u_i r^j_i, 1e-30)},
 * {@code p^j_i = u_i r^j_i / S_j} (stage j's softmax with the chosen mass removed), {@code r^{j+1}_i = r^j_i max(1 -
 * u_i / S_j, 0)}; soft mask {@code m = 1 - r^k}. (Adding {@code log(1 - c)} to the scores, c = chosen mass so far,
 * is the same as multiplying u by the remaining mass r.) Cost O(n k).
 *
 * <p><b>Continuous limit</b> (infinitely many infinitesimal stages): {@code m_i = 1 - exp(-exp(s_i - tau))}, with
 * {@code tau} per row such that {@code sum_i m_i = k}, by damped Newton on {@code log sum m = log k} (see {@link #newtonStep}) from the midpoint
 * of the k-th and (k+1)-th largest scores. Implicit gradient: with {@code F_i = dm_i/ds_i = e_i exp(-e_i)},
 * {@code e_i = exp(s_i - tau)}: {@code dL/ds_i = F_i (G_i - sum_j F_j G_j / sum_j F_j)}. Cost O(n) per Newton step.
 */
public final class Relax {
    private Relax() {
    }

    static final double FLOOR = -40.0;

    /** Doubles of scratch {@link #exactGrad} needs. */
    public static int exactScratch(int n, int k) {
        return (k + 4) * n + k;
    }

    // ------------------------------------------------------------------ exact k successive softmaxes

    /**
     * Forward of the exact relaxation on {@code s = key * invT}; fills {@code u} (n), the remaining mass before each
     * stage {@code rs} (k*n) and the stage sums {@code S} (k); returns nothing, {@code 1 - r^k} is left in {@code r}.
     */
    private static void exactForward(float[] key, int off, int n, int k, double invT, double[] sc) {
        int u = 0, r = n, st = 4 * n, ss = (k + 4) * n;
        double smax = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) smax = Math.max(smax, key[off + i] * invT);
        for (int i = 0; i < n; i++) {
            sc[u + i] = Math.exp(Math.max(key[off + i] * invT - smax, FLOOR));
            sc[r + i] = 1.0;
        }
        for (int j = 0; j < k; j++) {
            double S = 0;
            for (int i = 0; i < n; i++) {
                sc[st + j * n + i] = sc[r + i];
                S += sc[u + i] * sc[r + i];
            }
            S = Math.max(S, 1e-30);
            sc[ss + j] = S;
            for (int i = 0; i < n; i++) sc[r + i] *= Math.max(1.0 - sc[u + i] / S, 0.0);
        }
    }

    /** Soft mask of the exact relaxation at scores {@code key * invT}. Allocates. */
    public static double[] exactSoftMask(float[] key, double invT, int k) {
        int n = key.length;
        double[] sc = new double[exactScratch(n, k)];
        exactForward(key, 0, n, k, invT, sc);
        double[] m = new double[n];
        for (int i = 0; i < n; i++) m[i] = 1.0 - sc[n + i];
        return m;
    }

    /**
     * {@code out = dL/dD} of the exact relaxation for one row ({@code k < n}; zero when {@code k >= n}).
     *
     * @param scratch at least {@link #exactScratch(int, int)} doubles
     */
    public static void exactGrad(float[] key, int off, int n, int k, double invT, float[] g, int goff, float[] out, int ooff,
                                 double[] scratch) {
        if (k >= n) {
            Arrays.fill(out, ooff, ooff + n, 0f);
            return;
        }
        double[] sc = scratch;
        exactForward(key, off, n, k, invT, sc);
        int u = 0, a = n, gu = 2 * n, q = 3 * n, st = 4 * n, ss = (k + 4) * n;
        for (int i = 0; i < n; i++) {
            sc[a + i] = -g[goff + i];     // dL/dr^k, m = 1 - r^k
            sc[gu + i] = 0;
        }
        for (int j = k - 1; j >= 0; j--) {
            double invS = 1.0 / sc[ss + j], dS = 0;
            int rp = st + j * n;
            for (int i = 0; i < n; i++) {
                double qi = 1.0 - sc[u + i] * invS;
                double ar = qi > 0 ? sc[a + i] * sc[rp + i] : 0.0;   // dL/dq_i through r^{j+1} = r^j max(q, 0)
                sc[q + i] = ar;
                dS += ar * sc[u + i];
            }
            dS *= invS * invS;                                          // dL/dS_j
            for (int i = 0; i < n; i++) {
                double qi = Math.max(1.0 - sc[u + i] * invS, 0.0);
                sc[gu + i] += -sc[q + i] * invS + dS * sc[rp + i];
                sc[a + i] = sc[a + i] * qi + dS * sc[u + i];            // dL/dr^j
            }
        }
        for (int i = 0; i < n; i++) out[ooff + i] = (float) (sc[gu + i] * sc[u + i] * invT);
    }

    // ------------------------------------------------------------------ continuous limit

    /** Midpoint of the k-th and (k+1)-th largest of {@code key[off..off+n)} times invT (Newton start). Allocates. */
    public static double midTau(float[] key, int off, int n, int k, double invT) {
        float[] c = Arrays.copyOfRange(key, off, off + n);
        Arrays.sort(c);
        double hi = c[n - k], lo = k < n ? c[n - k - 1] : c[0] - 1.0;
        return 0.5 * (hi + lo) * invT;
    }

    /**
     * Solves {@code sum_i 1 - exp(-exp(key_i invT - tau)) = k} by damped Newton from {@code tau0}; stops when
     * {@code |sum - k| < tol * k} or after {@code maxIter} steps. Fills {@code fp[i] = F_i} at the returned tau.
     */
    public static double limitTau(float[] key, int off, int n, int k, double invT, double tau0, int maxIter, double tol,
                                  double[] fp) {
        double tau = tau0;
        for (int it = 0; ; it++) {
            double sm = 0, sf = 0;
            for (int i = 0; i < n; i++) {
                double e = Math.exp(Math.min(key[off + i] * invT - tau, 30.0));
                double em = Math.exp(-e);
                sm += 1.0 - em;
                double f = e * em;
                fp[i] = f;
                sf += f;
            }
            if (Math.abs(sm - k) < tol * k || it >= maxIter) return tau;
            tau += newtonStep(sm, k, sf);
        }
    }

    /**
     * Damped Newton step on {@code log(sum m) = log k} in tau: {@code log(sum m / k) * sum m / sum F}, clipped to
     * [-2, 2] (from the midpoint start it converges in 2-3 steps at T = 0.5..5, where Newton on {@code sum m = k}
     * took up to 6).
     */
    static double newtonStep(double sm, int k, double sf) {
        if (!(sf > 0) || !(sm > 0)) return sm > k ? 2.0 : -2.0;
        return Math.max(-2.0, Math.min(2.0, StrictMath.log(sm / k) * sm / sf));   // StrictMath: the kernels use it
    }

    /** Soft mask of the continuous limit at scores {@code key * invT}, tau solved to 1e-12. Allocates. */
    public static double[] limitSoftMask(float[] key, double invT, int k) {
        int n = key.length;
        double tau = limitTau(key, 0, n, k, invT, midTau(key, 0, n, k, invT), 200, 1e-12, new double[n]);
        double[] m = new double[n];
        for (int i = 0; i < n; i++) m[i] = -Math.expm1(-Math.exp(Math.min(key[i] * invT - tau, 30.0)));
        return m;
    }

    /**
     * {@code out = dL/dD} of the continuous limit for one row (zero when {@code k >= n}).
     *
     * @param tau0    Newton start, e.g. {@link #midTau}
     * @param scratch at least n doubles
     */
    public static void limitGrad(float[] key, int off, int n, int k, double invT, double tau0, int maxIter, double tol,
                                 float[] g, int goff, float[] out, int ooff, double[] scratch) {
        if (k >= n) {
            Arrays.fill(out, ooff, ooff + n, 0f);
            return;
        }
        limitTau(key, off, n, k, invT, tau0, maxIter, tol, scratch);
        double sf = 0, sfg = 0;
        for (int i = 0; i < n; i++) {
            sf += scratch[i];
            sfg += scratch[i] * g[goff + i];
        }
        double ratio = sfg / Math.max(sf, 1e-30);
        for (int i = 0; i < n; i++) out[ooff + i] = (float) (scratch[i] * (g[goff + i] - ratio) * invT);
    }

    // ------------------------------------------------------------------ entropy regulariser

    /** {@code H(softmax(d))} of one row, natural log. */
    public static double entropy(float[] d, int off, int n) {
        double mx = Double.NEGATIVE_INFINITY, z = 0, h = 0;
        for (int i = 0; i < n; i++) mx = Math.max(mx, d[off + i]);
        for (int i = 0; i < n; i++) z += Math.exp(d[off + i] - mx);
        double lz = Math.log(z);
        for (int i = 0; i < n; i++) {
            double lq = d[off + i] - mx - lz;
            h -= Math.exp(lq) * lq;
        }
        return h;
    }

    /** {@code out += weight * dH(softmax(d))/dd = weight * (-q_i (log q_i + H))} for one row. */
    public static void addEntropyGrad(float[] d, int off, int n, double weight, float[] out, int ooff) {
        double mx = Double.NEGATIVE_INFINITY, z = 0;
        for (int i = 0; i < n; i++) mx = Math.max(mx, d[off + i]);
        for (int i = 0; i < n; i++) z += Math.exp(d[off + i] - mx);
        double lz = Math.log(z), h = 0;
        for (int i = 0; i < n; i++) {
            double lq = d[off + i] - mx - lz;
            h -= Math.exp(lq) * lq;
        }
        for (int i = 0; i < n; i++) {
            double lq = d[off + i] - mx - lz;
            out[ooff + i] += (float) (weight * -Math.exp(lq) * (lq + h));
        }
    }

    // ------------------------------------------------------------------ top-k

    /**
     * Marks the k largest of {@code v[off..off+n)} with 1 in {@code mask[moff..moff+n)} (others 0); ties are broken by
     * the lower index, NaN ranks lowest. Exactly k ones.
     *
     * @param scratch at least n floats
     * @param stats   receives {@code stats[soff]} = the k-th largest value, {@code stats[soff+1]} = the (k+1)-th largest
     *                ({@code -Infinity} when k = n)
     */
    public static void topK(float[] v, int off, int n, int k, float[] mask, int moff, float[] scratch, float[] stats, int soff) {
        for (int i = 0; i < n; i++) {
            float x = v[off + i];
            scratch[i] = x != x ? Float.NEGATIVE_INFINITY : x;
        }
        float thr = kthLargest(scratch, n, k), nxt = Float.NEGATIVE_INFINITY;
        for (int i = k; i < n; i++) nxt = Math.max(nxt, scratch[i]);
        int gt = 0;
        for (int i = 0; i < n; i++) if (v[off + i] > thr) gt++;
        int ties = k - gt;
        for (int i = 0; i < n; i++) {
            float x = v[off + i];
            x = x != x ? Float.NEGATIVE_INFINITY : x;
            boolean keep = x > thr || (x == thr && ties-- > 0);
            mask[moff + i] = keep ? 1f : 0f;
        }
        stats[soff] = thr;
        stats[soff + 1] = nxt;
    }

    /** Partial quickselect: afterwards {@code a[0..k-1] >= a[k-1] >= a[k..n-1]}; returns the k-th largest. No NaN. */
    static float kthLargest(float[] a, int n, int k) {
        int lo = 0, hi = n - 1, kk = k - 1;
        while (hi > lo) {
            int mid = (lo + hi) >>> 1;
            float x = a[lo], y = a[mid], z = a[hi];
            float p = x > y ? (y > z ? y : (x > z ? z : x)) : (x > z ? x : (y > z ? z : y));
            int i = lo, j = hi;
            while (i <= j) {
                while (a[i] > p) i++;
                while (a[j] < p) j--;
                if (i <= j) {
                    float t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            if (kk <= j) hi = j;
            else if (kk >= i) lo = i;
            else break;
        }
        return a[kk];
    }

    // ------------------------------------------------------------------ Adam

    /**
     * Adam on {@code p[from..to)} (numpy reference form): {@code m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
     * p -= (lr / (1 - b1^t)) m / (sqrt(v / (1 - b2^t)) + eps)}.
     */
    public static void adam(float[] p, float[] g, float[] m, float[] v, int from, int to, double lr, double b1, double b2,
                            double eps, long t) {
        double c1 = 1 - Math.pow(b1, t), c2 = 1 - Math.pow(b2, t);
        double step = lr / c1, ic2 = 1 / Math.sqrt(c2);
        for (int i = from; i < to; i++) {
            double gi = g[i];
            double mi = b1 * m[i] + (1 - b1) * gi, vi = b2 * v[i] + (1 - b2) * gi * gi;
            m[i] = (float) mi;
            v[i] = (float) vi;
            p[i] -= (float) (step * mi / (Math.sqrt(vi) * ic2 + eps));
        }
    }
}
