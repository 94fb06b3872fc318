package io.fedprune.bench;

/**
 * The suite's section "DPP step against the dense step": LeNet-300-100, LeNet-5 and the committed imported CNN, each
 * on the engine devices train with ({@link GraphStepBench}: {@code DenseTrainer}'s step against {@code DppTrainer}'s),
 * batch 32, 128 and 512, keep 2-25%; for LeNet-300-100 also the per-row DPP work on 2 threads.
 *
 * <pre>
 * ./mvnw -q -B -pl benchmarks -am package -DskipTests
 * OMP_NUM_THREADS=1 java --add-modules jdk.incubator.vector -cp "benchmarks/target/classes:benchmarks/target/lib/*" \
 *     io.fedprune.bench.BenchMain dpp --out /tmp/dpp.md
 * </pre>
 */
final class DppStepBench {
    static final int[] BATCHES = {32, 128, 512};
    static final double[] KEEPS = {0.02, 0.05, 0.10, 0.25};

    private DppStepBench() {
    }

    static String section(boolean quick) throws Exception {
        int steps = quick ? 30 : 120, warm = quick ? 20 : 40, convSteps = quick ? 7 : 15, convWarm = quick ? 3 : 5;
        return Interleaved.f("One training step on the engine devices train with (`io.fedprune.model.Network`, `GraphStepBench`): "
                        + "dense = `DenseTrainer`'s step (forward, backward, Adam on every weight and bias, the parameters set back); "
                        + "DPP = `DppTrainer`'s step with frozen weights (every layer's Gumbel top-k mask and effective weights set "
                        + "into the network, the same forward/backward, relaxed top-k gradient and Adam on the logits, the "
                        + "temperature annealed over the run). The default layer plan (KERNEL for hidden Conv, WEIGHT for Gemm, "
                        + "output layer keep >= 25%%), random inputs. Matrix products in ND4J on one BLAS thread (masked Dense "
                        + "and Conv layers over their nonzeros in vectorised Java), per-row DPP work in vectorised Java on 1 thread (the "
                        + "default, what a device uses) or 2. Each cell (and its 2-thread variant) runs in a JVM of its own, as JMH "
                        + "forks one per benchmark, so the JIT compiles it without the profiles of the cells before it. Dense and DPP "
                        + "steps alternate; medians of %d steps after at least %d warm-up "
                        + "steps (convolutional models: %d after %d) and then until the JIT has compiled nothing for a second "
                        + "(in a fresh JVM on 2 busy cores C2 can take seconds over the vector kernels), wall time and the calling thread's CPU time (on a loaded "
                        + "machine the CPU ratio is the better estimate of a quiet machine's wall ratio).%n%n%s%n%s%n%s",
                steps, warm, convSteps, convWarm,
                GraphStepBench.table("lenet300", BATCHES, KEEPS, warm, steps, true),
                GraphStepBench.table("lenet5", BATCHES, KEEPS, convWarm, convSteps, false),
                GraphStepBench.table("models/mnist-cnn.onnx", BATCHES, KEEPS, convWarm, convSteps, false));
    }
}
