package io.fedprune.dpp;

/**
 * The per-group kernels of a DPP step. Two implementations that give bit-identical results (float arithmetic in a
 * fixed order, see {@link FloatMath}): {@link ScalarKernels} (plain loops) and {@code VectorKernels}
 * ({@code jdk.incubator.vector}), loaded by {@link #select} only when that module is in the boot layer. Gradient
 * kernels work in place: {@code g} holds {@code dL/dA} on entry and {@code dL/dD} on return.
 */
interface RowKernels {

    /** {@code keys[i] = d[i] + scale * gumbel(key, i)} for {@code i in [from, to)}. */
    void perturb(float[] d, float[] keys, int from, int to, long key, float scale);

    /** Hard top-k of one row into {@code mask[off..off+n)} (see {@link Relax#topK}); stats = (k-th, (k+1)-th largest). */
    void topK(float[] keys, int off, int n, int k, float[] mask, Scratch s, float[] stats, int soff);

    /** {@code weff[c*e + j] = w[c*e + j] * mask[c]} for candidates {@code c in [cFrom, cTo)}. */
    void expandMul(float[] w, float[] mask, int cFrom, int cTo, int e, float[] weff);

    /** {@code g[c] = sum_j gw[c*e + j] * w[c*e + j]} for candidates {@code c in [cFrom, cTo)}. */
    void reduceMul(float[] gw, float[] w, int cFrom, int cTo, int e, float[] g);

    /** Exact relaxation's gradient of one row, in place ({@code k < n}). */
    void exactGrad(float[] keys, int off, int n, int k, float invT, float[] g, Scratch s);

    /** Continuous limit's gradient of one row, in place ({@code k < n}); Newton from {@code tau0}. */
    void limitGrad(float[] keys, int off, int n, int k, float invT, float tau0, int maxIter, float[] g, Scratch s);

    /** {@code g += weight * dH(softmax(d_row))/dd} for one row. */
    void addEntropyGrad(float[] d, int off, int n, float weight, float[] g, Scratch s);

    /** One Adam step (see {@link Relax#adam}) on {@code [from, to)}, t = step number starting at 1. */
    void adam(float[] p, float[] g, float[] m, float[] v, int from, int to, DppConfig cfg, long t);

    /** Whether this implementation is vectorised. */
    boolean vectorized();

    /**
     * Per-thread scratch sized for rows of n candidates keeping k: staged rows padded to a multiple of 16 ({@link
     * FloatMath#stage}), the exact relaxation's remaining mass per stage, and two sets of 16 virtual-lane accumulators.
     */
    final class Scratch {
        final float[] f;
        final float[] a, b, c;
        final float[] rs, sums;
        final float[] acc = new float[2 * FloatMath.W];

        Scratch(int n, int k, int exactKMax) {
            int np = FloatMath.padded(n);
            f = new float[np];
            a = new float[np];
            b = new float[np];
            c = new float[np];
            int ke = k >= n ? 0 : Math.min(k, exactKMax);
            rs = new float[ke * np];
            sums = new float[Math.max(ke, 1)];
        }
    }

    /** The vectorised kernels when wanted and available, else the scalar ones. */
    static RowKernels select(boolean vectorized) {
        if (vectorized && VectorSupport.AVAILABLE != null) return VectorSupport.AVAILABLE;
        return ScalarKernels.INSTANCE;
    }

    /** Loads {@code VectorKernels} reflectively, only if {@code jdk.incubator.vector} is present. */
    final class VectorSupport {
        static final RowKernels AVAILABLE = load();

        private static RowKernels load() {
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return null;
            try {
                return (RowKernels) Class.forName("io.fedprune.dpp.VectorKernels").getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | LinkageError e) {
                return null;
            }
        }
    }
}
