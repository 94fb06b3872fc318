package io.fedprune.model;

import io.fedprune.dpp.DppConfig;
import io.fedprune.dpp.TemperatureSchedule;

/**
 * Settings of DPP training ({@link DppTrainer}). The defaults ({@link #DEFAULTS}) are the reference prototype's,
 * which reached 92.1 / 97.3 / 98.1% on LeNet-300-100 at keep 2 / 5 / 10% with frozen weights.
 *
 * @param epochs        passes over the training data (default 5)
 * @param batchSize     mini-batch size (default 128)
 * @param lr            Adam learning rate of the logits, constant (default 0.1)
 * @param t0            relaxation temperature at the first step (default 5)
 * @param t1            temperature at the last step; linear in between over the whole run (default 0.5)
 * @param entropyWeight weight of the regulariser {@code lambda * sum_groups H(softmax(D_group))} (default 1e-3)
 * @param exactKMax     relaxation: exact k successive softmaxes for {@code k <= exactKMax}, the continuous limit
 *                      above (default {@link DppConfig#DEFAULT_EXACT_K_MAX}, 8)
 * @param gumbelScale   scale of the Gumbel noise (default 1)
 * @param threads       Java threads for the per-group mask work, 1 or 2 (default 1; BLAS always uses one)
 * @param trainWeights  joint training: also train the weights and biases with Adam (default false: weights frozen,
 *                      the mode devices use)
 * @param weightLr      Adam learning rate of the weights and biases in joint training, constant (default 1e-3;
 *                      on LeNet-300-100 at keep 2%, 3 epochs: 97.0% test accuracy, against 94.5% with 1e-4)
 * @param quantBits     0 = float weights (default); 8 = 8-bit symmetric per-layer quantisation of the (masked)
 *                      weights in the forward pass, straight-through in the backward pass
 * @param evaluate      measure loss and accuracy on the training data with the deterministic masks before and after
 *                      training (default true; costs two forward passes over the data)
 */
public record TrainConfig(int epochs, int batchSize, double lr, double t0, double t1, double entropyWeight,
                          int exactKMax, double gumbelScale, int threads, boolean trainWeights, double weightLr,
                          int quantBits, boolean evaluate) {

    /** 5 epochs, batch 128, lr 0.1, T 5 -> 0.5, entropy 1e-3, exact k <= 8, Gumbel 1, 1 thread, frozen, float. */
    public static final TrainConfig DEFAULTS = new TrainConfig(5, 128, 0.1, 5.0, 0.5, 1e-3, DppConfig.DEFAULT_EXACT_K_MAX, 1.0, 1,
            false, 1e-3, 0, true);

    public TrainConfig {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1: " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1: " + batchSize);
        if (!(lr > 0)) throw new IllegalArgumentException("lr must be > 0: " + lr);
        if (!(t0 > 0) || !(t1 > 0)) throw new IllegalArgumentException("temperatures t0, t1 must be > 0: " + t0 + ", " + t1);
        if (!(entropyWeight >= 0)) throw new IllegalArgumentException("entropyWeight must be >= 0: " + entropyWeight);
        if (exactKMax < 0) throw new IllegalArgumentException("exactKMax must be >= 0: " + exactKMax);
        if (!(gumbelScale > 0)) throw new IllegalArgumentException("gumbelScale must be > 0: " + gumbelScale);
        if (threads < 1 || threads > 2) throw new IllegalArgumentException("threads must be 1 or 2: " + threads);
        if (!(weightLr > 0)) throw new IllegalArgumentException("weightLr must be > 0: " + weightLr);
        if (quantBits != 0) Quantizer.levels(quantBits);
    }

    /** The per-layer DPP hyper-parameters (Adam 0.9 / 0.999 / 1e-8 on the logits, up to 20 Newton steps). */
    public DppConfig dppConfig() {
        return new DppConfig(lr, 0.9, 0.999, 1e-8, entropyWeight, exactKMax, 20, gumbelScale, threads, true);
    }

    /** The temperature schedule. */
    public TemperatureSchedule schedule() {
        return new TemperatureSchedule(t0, t1);
    }

    public TrainConfig withEpochs(int v) {
        return new TrainConfig(v, batchSize, lr, t0, t1, entropyWeight, exactKMax, gumbelScale, threads, trainWeights, weightLr, quantBits, evaluate);
    }

    public TrainConfig withLr(double v) {
        return new TrainConfig(epochs, batchSize, v, t0, t1, entropyWeight, exactKMax, gumbelScale, threads, trainWeights, weightLr, quantBits, evaluate);
    }

    public TrainConfig withTemperatures(double from, double to) {
        return new TrainConfig(epochs, batchSize, lr, from, to, entropyWeight, exactKMax, gumbelScale, threads, trainWeights, weightLr, quantBits, evaluate);
    }

    public TrainConfig withThreads(int v) {
        return new TrainConfig(epochs, batchSize, lr, t0, t1, entropyWeight, exactKMax, gumbelScale, v, trainWeights, weightLr, quantBits, evaluate);
    }

    /** Joint training of weights (at {@code lr}) and logits. */
    public TrainConfig withJointWeights(double lrWeights) {
        return new TrainConfig(epochs, batchSize, lr, t0, t1, entropyWeight, exactKMax, gumbelScale, threads, true, lrWeights, quantBits, evaluate);
    }

    public TrainConfig withQuantBits(int v) {
        return new TrainConfig(epochs, batchSize, lr, t0, t1, entropyWeight, exactKMax, gumbelScale, threads, trainWeights, weightLr, v, evaluate);
    }

    public TrainConfig withEvaluate(boolean v) {
        return new TrainConfig(epochs, batchSize, lr, t0, t1, entropyWeight, exactKMax, gumbelScale, threads, trainWeights, weightLr, quantBits, v);
    }
}
