package io.fedprune.dpp;

/** The scalar kernels: plain loops around the reference maths of {@link Relax} (double accumulation). */
final class ScalarKernels implements RowKernels {
    static final ScalarKernels INSTANCE = new ScalarKernels();

    private ScalarKernels() {
    }

    @Override
    public void perturb(float[] d, float[] keys, int from, int to, long key, float scale) {
        for (int i = from; i < to; i++) keys[i] = d[i] + scale * Gumbel.gumbel(key, i);
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
        Relax.exactGrad(keys, off, n, k, invT, g, off, g, off, s.d);
    }

    @Override
    public void limitGrad(float[] keys, int off, int n, int k, float invT, float tau0, int maxIter, float[] g, Scratch s) {
        Relax.limitGrad(keys, off, n, k, invT, tau0, maxIter, 1e-3, g, off, g, off, s.d);
    }

    @Override
    public void addEntropyGrad(float[] d, int off, int n, float weight, float[] g, Scratch s) {
        Relax.addEntropyGrad(d, off, n, weight, g, off);
    }

    @Override
    public void adam(float[] p, float[] g, float[] m, float[] v, int from, int to, DppConfig cfg, long t) {
        Relax.adam(p, g, m, v, from, to, cfg.lr(), cfg.beta1(), cfg.beta2(), cfg.eps(), t);
    }

    @Override
    public boolean vectorized() {
        return false;
    }
}
