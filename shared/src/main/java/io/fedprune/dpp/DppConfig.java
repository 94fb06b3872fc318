package io.fedprune.dpp;

/**
 * Hyper-parameters of DPP logit training. Defaults ({@link #defaults()}) are the numpy prototype's, which reached the
 * figures quoted in the issues.
 *
 * @param lr            Adam learning rate on the logits (default 0.1)
 * @param beta1         Adam first-moment decay (default 0.9)
 * @param beta2         Adam second-moment decay (default 0.999)
 * @param eps           Adam epsilon, added to {@code sqrt(v_hat)} (default 1e-8)
 * @param entropyWeight weight lambda of the regulariser {@code lambda * sum_groups H(softmax(D_group))} (default 1e-3;
 *                      0 disables it)
 * @param exactKMax     the exact k successive softmaxes are used for {@code k <= exactKMax}, the continuous limit
 *                      above (default 8: up to there the exact form costs about what the limit does, O(n k) against
 *                      a few O(n) Newton passes, and the limit departs most from it at small k; the prototype's 32
 *                      made the exact form cost more than the dense step on LeNet-300-100 at keep 2%, and the limit
 *                      above 8 trained to the same accuracy, see docs/BENCHMARKS.md); 0 = always the continuous
 *                      limit, {@code Integer.MAX_VALUE} = always exact
 * @param newtonIters   maximum damped-Newton iterations of the continuous limit's {@code tau} solve (default 20; it
 *                      stops earlier once the row sum is within 1e-3 k of k, typically after 2-3)
 * @param gumbelScale   scale s of the Gumbel noise, keys {@code D + s*g} (default 1.0)
 * @param threads       1 or 2: split the per-group work over this many Java threads (default 1)
 * @param vectorized    use the {@code jdk.incubator.vector} kernels when the module is present (default true);
 *                      false forces the scalar loops (slower, the same bits)
 */
public record DppConfig(double lr, double beta1, double beta2, double eps, double entropyWeight, int exactKMax,
                        int newtonIters, double gumbelScale, int threads, boolean vectorized) {

    /** The default {@code exactKMax}. */
    public static final int DEFAULT_EXACT_K_MAX = 8;

    public DppConfig {
        if (!(lr > 0)) throw new IllegalArgumentException("lr must be > 0, was " + lr);
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("beta1 must be in [0, 1), was " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("beta2 must be in [0, 1), was " + beta2);
        if (!(eps > 0)) throw new IllegalArgumentException("eps must be > 0, was " + eps);
        if (!(entropyWeight >= 0)) throw new IllegalArgumentException("entropyWeight must be >= 0, was " + entropyWeight);
        if (exactKMax < 0) throw new IllegalArgumentException("exactKMax must be >= 0, was " + exactKMax);
        if (newtonIters < 1) throw new IllegalArgumentException("newtonIters must be >= 1, was " + newtonIters);
        if (!(gumbelScale > 0)) throw new IllegalArgumentException("gumbelScale must be > 0, was " + gumbelScale);
        if (threads < 1 || threads > 2) throw new IllegalArgumentException("threads must be 1 or 2, was " + threads);
    }

    /** lr 0.1, Adam (0.9, 0.999, 1e-8), entropy weight 1e-3, exact for k <= 8, 20 Newton steps, Gumbel scale 1, 1 thread, vectorised. */
    public static DppConfig defaults() {
        return new DppConfig(0.1, 0.9, 0.999, 1e-8, 1e-3, DEFAULT_EXACT_K_MAX, 20, 1.0, 1, true);
    }

    public DppConfig withLr(double v) {
        return new DppConfig(v, beta1, beta2, eps, entropyWeight, exactKMax, newtonIters, gumbelScale, threads, vectorized);
    }

    public DppConfig withEntropyWeight(double v) {
        return new DppConfig(lr, beta1, beta2, eps, v, exactKMax, newtonIters, gumbelScale, threads, vectorized);
    }

    public DppConfig withExactKMax(int v) {
        return new DppConfig(lr, beta1, beta2, eps, entropyWeight, v, newtonIters, gumbelScale, threads, vectorized);
    }

    public DppConfig withThreads(int v) {
        return new DppConfig(lr, beta1, beta2, eps, entropyWeight, exactKMax, newtonIters, gumbelScale, v, vectorized);
    }

    public DppConfig withVectorized(boolean v) {
        return new DppConfig(lr, beta1, beta2, eps, entropyWeight, exactKMax, newtonIters, gumbelScale, threads, v);
    }

    public DppConfig withGumbelScale(double v) {
        return new DppConfig(lr, beta1, beta2, eps, entropyWeight, exactKMax, newtonIters, v, threads, vectorized);
    }
}
