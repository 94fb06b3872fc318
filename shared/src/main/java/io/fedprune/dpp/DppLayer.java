package io.fedprune.dpp;

import java.util.Arrays;
import java.util.Objects;

/**
 * Training state of one prunable layer's logits {@code D[G, n]}: Gumbel top-k sampling in the forward pass, a
 * straight-through gradient through the relaxed top-k in the backward pass, the entropy regulariser and Adam.
 * Mutable and not thread-safe (one layer is driven by one thread; with {@link DppConfig#threads()} = 2 it splits
 * its own groups over one shared daemon worker thread, for layers of at least 8192 candidates). Every random draw
 * comes from the seed given at construction: the t-th {@link #forward} uses the Gumbel stream
 * {@code Gumbel.streamKey(seed, t)}, so a run is reproducible bit for bit: independent of the thread split, of the JIT
 * state (a JVM's first training equals its later ones) and of whether the vectorised kernels are used. Derive
 * per-round, per-device, per-layer seeds with {@link Gumbel#deriveSeed}.
 *
 * <p>A step with frozen weights (the mode devices use):
 * <pre>{@code
 * layer.forward(w, weff, T);              // weff = w * sampled k-of-n mask
 * ... network forward/backward with weff, giving gradWeff = dL/dWeff ...
 * layer.backward(w, gradWeff, T);         // Adam step on the logits
 * }</pre>
 * Hot-path arrays ({@code w}, {@code weffOut}, {@code gradWeff}) are read, not copied.
 *
 * <p>Nested training: a layer built with further, smaller k ({@link #DppLayer(MaskSpec, int[], float[], DppConfig, long)})
 * trains one set of logits at several k, the one for each step chosen by {@link #useK} before its forward (the
 * backward follows the k of the forward it completes); the continuous limit keeps its warm-started thresholds per k.
 * The spec's k stays the layer's own: {@link #finalGroupMask()} keeps it.
 */
public final class DppLayer {
    private final MaskSpec spec;
    private final DppConfig cfg;
    private final long seed;
    private final RowKernels kernels;
    private final int groups, n, e, threads;
    /** Every k this layer trains, ascending (the spec's k among them), and the index of the next forward's. */
    private final int[] ks;
    private int kIndex;
    /** The k of the last forward, which its backward uses. */
    private int k;
    private final float[] logits, keys, groupMask, grad, adamM, adamV, stats;
    /** Per k and group ({@code [kIndex * groups + g]}): the continuous limit's threshold tau of the last backward at
     *  that k, in key units (tau * T); NaN before. */
    private final float[] tauKeys;
    private final RowKernels.Scratch[] scratch;
    static final int MIN_CANDIDATES_PER_SPLIT = 8192;
    private long draws;     // forwards done
    private long steps;     // Adam steps done
    private boolean sampled;

    /**
     * @param spec          the layer's mask structure
     * @param initialLogits {@code float[spec.candidates()]}, copied (e.g. {@link Logits#fromWeights} or broadcast
     *                      global logits); must be finite
     * @param cfg           hyper-parameters
     * @param seed          seed of every Gumbel draw of this layer
     */
    public DppLayer(MaskSpec spec, float[] initialLogits, DppConfig cfg, long seed) {
        this(spec, new int[0], initialLogits, cfg, seed);
    }

    /**
     * A layer that also trains at {@code nestedK}, each smaller than the spec's k (e.g. the k of a job's smaller tiers);
     * the spec's k is used until {@link #useK} says otherwise.
     *
     * @param nestedK distinct k in {@code [1, spec.k())}, any order; empty = the spec's k alone
     */
    public DppLayer(MaskSpec spec, int[] nestedK, float[] initialLogits, DppConfig cfg, long seed) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.ks = kList(spec, nestedK);
        this.kIndex = ks.length - 1;
        this.cfg = Objects.requireNonNull(cfg, "cfg");
        spec.checkLength("initialLogits", initialLogits, spec.candidates());
        for (float x : initialLogits)
            if (!Float.isFinite(x)) throw new IllegalArgumentException(spec.layer() + ": initialLogits must be finite, found " + x);
        this.seed = seed;
        this.groups = spec.groups();
        this.n = spec.n();
        this.k = spec.k();
        this.e = spec.candidateSize();
        // vector kernels pay off for rows of at least a few vectors; N:M tiles (n = 2..8) use the scalar loops
        this.kernels = RowKernels.select(cfg.vectorized() && n >= 32);
        int c = spec.candidates();
        logits = initialLogits.clone();
        keys = new float[c];
        groupMask = new float[c];
        grad = new float[c];
        adamM = new float[c];
        adamV = new float[c];
        stats = new float[2 * groups];
        tauKeys = new float[ks.length * groups];
        Arrays.fill(tauKeys, Float.NaN);
        // a hand-off to the worker costs tens of microseconds: split only layers with enough work
        this.threads = c >= MIN_CANDIDATES_PER_SPLIT ? cfg.threads() : 1;
        int kScratch = scratchK(ks, n);
        scratch = new RowKernels.Scratch[]{new RowKernels.Scratch(n, kScratch, cfg.exactKMax()),
                threads > 1 ? new RowKernels.Scratch(n, kScratch, cfg.exactKMax()) : null};
    }

    private static int[] kList(MaskSpec spec, int[] nestedK) {
        int[] out = Arrays.copyOf(Objects.requireNonNull(nestedK, "nestedK"), nestedK.length + 1);
        out[nestedK.length] = spec.k();
        Arrays.sort(out);
        for (int i = 0; i < out.length; i++) {
            if (out[i] < 1) throw new IllegalArgumentException(spec.layer() + ": nested k must be >= 1, was " + out[i]);
            if (i > 0 && out[i] == out[i - 1])
                throw new IllegalArgumentException(spec.layer() + ": nested k must be distinct and below the spec's k = "
                        + spec.k() + ", got " + Arrays.toString(nestedK));
        }
        if (out[out.length - 1] != spec.k())
            throw new IllegalArgumentException(spec.layer() + ": nested k must be below the spec's k = " + spec.k()
                    + ", got " + Arrays.toString(nestedK));
        return out;
    }

    /** The scratch's k: the largest trained k below n (a k = n row needs no relaxation), else n. */
    private static int scratchK(int[] ks, int n) {
        int m = n;
        for (int x : ks) if (x < n) m = x;
        return m;
    }

    /** Every k this layer trains, ascending (the spec's k last). */
    public int[] trainedK() {
        return ks.clone();
    }

    /** Makes the next {@link #forward} (and its backward) use {@code k}, one of {@link #trainedK()}. */
    public void useK(int k) {
        int i = Arrays.binarySearch(ks, k);
        if (i < 0) throw new IllegalArgumentException(spec.layer() + ": k = " + k + " is not trained here " + Arrays.toString(ks));
        kIndex = i;
    }

    public MaskSpec spec() {
        return spec;
    }

    public DppConfig config() {
        return cfg;
    }

    /** Whether the vectorised kernels are in use. */
    public boolean vectorized() {
        return kernels.vectorized();
    }

    /** Whether the backward pass at the spec's k uses the exact k successive softmaxes (else the continuous limit). */
    public boolean exactRelaxation() {
        return spec.k() <= cfg.exactKMax();
    }

    /** Number of forward passes (Gumbel draws) so far. */
    public long draws() {
        return draws;
    }

    /** Number of Adam steps so far. */
    public long steps() {
        return steps;
    }

    /**
     * Samples a hard k-of-n mask per group by Gumbel top-k of {@code D + s*g} and writes {@code weffOut = w * mask}
     * (weight-shaped).
     *
     * @param temperature the relaxation temperature of this step (not used by the hard sample; checked > 0)
     */
    public void forward(float[] w, float[] weffOut, float temperature) {
        spec.checkLength("w", w, spec.size());
        spec.checkLength("weffOut", weffOut, spec.size());
        checkTemperature(temperature);
        long key = Gumbel.streamKey(seed, draws++);
        float scale = (float) cfg.gumbelScale();
        int k = this.k = ks[kIndex];
        // Each pass (here and in the backward) runs over all of a part's rows before the next starts. Running every
        // pass over a block of rows first (1, 10 or 20 rows of 784, the same bits, the block's arrays staying in L1/L2
        // between the passes) was no faster: 1.00-1.07 times this code's DPP step CPU time on LeNet-300-100 at batch
        // 128, keep 25%, in interleaved runs (issue 16): the passes are bound by their arithmetic (exp, log, compares),
        // not by memory traffic.
        RowParallel.run(groups, threads, (g0, g1, part) -> {
            RowKernels.Scratch s = scratch[part];
            kernels.perturb(logits, keys, g0 * n, g1 * n, key, scale);
            for (int g = g0; g < g1; g++) kernels.topK(keys, g * n, n, k, groupMask, s, stats, 2 * g);
            kernels.expandMul(w, groupMask, g0 * n, g1 * n, e, weffOut);
        });
        sampled = true;
    }

    /**
     * Straight-through backward and one Adam step on the logits: {@code G = reduce(gradWeff * w)} per candidate, the
     * gradient of the relaxed top-k at {@code temperature} (exact for {@code k <= exactKMax}, continuous limit
     * otherwise) applied to G, plus {@code entropyWeight * dH/dD}. Needs a preceding {@link #forward} (its keys).
     *
     * @param gradWeff {@code dL/dWeff}, weight-shaped
     */
    public void backward(float[] w, float[] gradWeff, float temperature) {
        step(w, gradWeff, temperature, true);
    }

    /** The logits gradient {@link #backward} would apply, without the Adam step (tests, diagnostics). */
    float[] gradient(float[] w, float[] gradWeff, float temperature) {
        step(w, gradWeff, temperature, false);
        return grad.clone();
    }

    private void step(float[] w, float[] gradWeff, float temperature, boolean apply) {
        spec.checkLength("w", w, spec.size());
        spec.checkLength("gradWeff", gradWeff, spec.size());
        checkTemperature(temperature);
        if (!sampled) throw new IllegalStateException(spec.layer() + ": backward needs a forward first");
        float invT = 1f / temperature;
        int k = this.k, tauOff = Arrays.binarySearch(ks, k) * groups;
        boolean exact = k <= cfg.exactKMax();
        float lambda = (float) cfg.entropyWeight();
        RowKernels.AdamStep adam = apply ? RowKernels.AdamStep.of(cfg, ++steps) : null;
        RowParallel.run(groups, threads, (g0, g1, part) -> {
            RowKernels.Scratch s = scratch[part];
            kernels.reduceMul(gradWeff, w, g0 * n, g1 * n, e, grad);
            for (int g = g0; g < g1; g++) {
                int off = g * n;
                if (k >= n) Arrays.fill(grad, off, off + n, 0f);
                else if (exact) kernels.exactGrad(keys, off, n, k, invT, grad, s);
                else {
                    // Newton from the row's threshold of the previous step (the logits move little per step: ~2
                    // passes instead of 3-4 from the midpoint of the k-th and (k+1)-th keys, used at the first step)
                    float prev = tauKeys[tauOff + g], tau0 = (prev == prev ? prev : 0.5f * (stats[2 * g] + stats[2 * g + 1])) * invT;
                    tauKeys[tauOff + g] = kernels.limitGrad(keys, off, n, k, invT, tau0, cfg.newtonIters(), grad, s) * temperature;
                }
                if (lambda > 0) kernels.addEntropyGrad(logits, off, n, lambda, grad, s);
            }
            if (adam != null) kernels.adam(logits, grad, adamM, adamV, g0 * n, g1 * n, adam);
        });
    }

    private void checkTemperature(float t) {
        if (!(t > 0) || Float.isInfinite(t))
            throw new IllegalArgumentException(spec.layer() + ": temperature must be finite and > 0, was " + t);
    }

    /** Weight-shaped 0/1 mask of the last forward (a new array). */
    public float[] lastMask() {
        return spec.expand(lastGroupMask());
    }

    /** Writes the weight-shaped 0/1 mask of the last forward into {@code out} (no allocation). */
    public void lastMask(float[] out) {
        spec.checkLength("out", out, spec.size());
        if (!sampled) throw new IllegalStateException(spec.layer() + ": no forward yet");
        if (e == 1) System.arraycopy(groupMask, 0, out, 0, out.length);
        else for (int c = 0, o = 0; c < groupMask.length; c++, o += e) Arrays.fill(out, o, o + e, groupMask[c]);
    }

    /** Group mask {@code [G, n]} of the last forward (a copy). */
    public float[] lastGroupMask() {
        if (!sampled) throw new IllegalStateException(spec.layer() + ": no forward yet");
        return groupMask.clone();
    }

    /** Perturbed logits {@code D + s*g} of the last forward (a copy). */
    float[] lastKeys() {
        return keys.clone();
    }

    /** The logits {@code [G, n]} (a copy). */
    public float[] logits() {
        return logits.clone();
    }

    /** The final deterministic group mask: top-k of the logits per group. */
    public float[] finalGroupMask() {
        return Masks.topK(logits, spec);
    }
}
