package io.fedprune.model;

/**
 * Adam on one Java {@code float[]} parameter (bias-corrected, as in Kingma and Ba). Each instance keeps its own
 * moments and step counter. Public for the benchmarks, which time {@link DenseTrainer}'s step.
 */
public final class Adam {
    private final float beta1, beta2, eps;
    private final float[] m, v;
    private int t;

    Adam(int size, double beta1, double beta2, double eps) {
        this.beta1 = (float) beta1;
        this.beta2 = (float) beta2;
        this.eps = (float) eps;
        m = new float[size];
        v = new float[size];
    }

    public Adam(int size) {
        this(size, 0.9, 0.999, 1e-8);
    }

    /** p -= lr * mhat / (sqrt(vhat) + eps), with the moments updated from gradient {@code g}. */
    public void step(float[] p, float[] g, double lr) {
        t++;
        double c1 = 1 - Math.pow(beta1, t), c2 = 1 - Math.pow(beta2, t);
        float a = (float) (lr / c1), invC2 = (float) (1 / c2);
        float b1 = beta1, b2 = beta2, e = eps, ob1 = 1 - b1, ob2 = 1 - b2;
        for (int i = 0; i < p.length; i++) {
            float gi = g[i];
            float mi = b1 * m[i] + ob1 * gi, vi = b2 * v[i] + ob2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            p[i] -= a * mi / ((float) Math.sqrt(vi * invC2) + e);
        }
    }
}
