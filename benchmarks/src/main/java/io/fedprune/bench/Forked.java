package io.fedprune.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static io.fedprune.bench.Interleaved.f;

/**
 * A measurement in a JVM of its own, as JMH forks one per benchmark: the JIT compiles the measured code for that one
 * case, not with the profiles (branch frequencies, inlining decisions, deoptimisations) that the cases measured before
 * it in the same JVM left behind. On this JDK 17 such leftovers moved single figures two- to fivefold (the DPP step at
 * keep 25%, the MEAN fold after the RANK variants). The child runs {@code main}'s class with the given arguments, this
 * JVM's options and class path and {@code OMP_NUM_THREADS=1} unless set, and prints its figures with {@link #print}.
 */
final class Forked {
    /** The line a child prints its figures on. */
    static final String LINE = "forked figures:";

    private Forked() {
    }

    /** Runs {@code main} in a child JVM and returns the numbers of its {@link #LINE}; fails with the child's output. */
    static double[] run(Class<?> main, List<String> args) throws Exception {
        Process p = process(main, args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        String line = out.lines().filter(l -> l.startsWith(LINE)).findFirst().orElse(null);
        if (code != 0 || line == null)
            throw new IllegalStateException(f("the forked %s %s ended with %d:%n%s", main.getSimpleName(), String.join(" ", args), code, out));
        return Arrays.stream(line.substring(LINE.length()).trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
    }

    /** A child JVM running {@code main} with {@code args}, this JVM's options and class path, one BLAS thread unless set. */
    static ProcessBuilder process(Class<?> main, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putIfAbsent("OMP_NUM_THREADS", "1");
        return pb;
    }

    /** How long the JIT must have compiled nothing before {@link #warmUp} ends, and the most a warm-up may take. */
    static final long QUIET_NS = 1_000_000_000L, MAX_WARM_UP_NS = 60_000_000_000L;

    /**
     * Runs {@code step} at least {@code min} times and then until the JIT has finished compiling: its total compilation
     * time unchanged for {@link #QUIET_NS} (at most {@link #MAX_WARM_UP_NS} in all), as JMH's warm-up iterations of
     * seconds do. A fresh JVM on 2 busy cores can take seconds to compile the vector kernels with C2, and until then a
     * count of warm-up steps measures partly interpreted or C1 code (the dense step at 3.40-3.74 ms after 40 steps,
     * 3.06-3.56 after 400; MEAN's adds at 1.1-1.3 GB/s after 15 folds, 8-10 once compiled). Returns the steps run.
     */
    static int warmUp(Runnable step, int min) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        long start = System.nanoTime(), quietSince = start, compiled = jit.getTotalCompilationTime();
        for (int n = 1; ; n++) {
            step.run();
            long now = System.nanoTime(), c = jit.getTotalCompilationTime();
            if (c != compiled) {
                compiled = c;
                quietSince = now;
            }
            if ((n >= min && now - quietSince >= QUIET_NS) || now - start >= MAX_WARM_UP_NS) return n;
        }
    }

    /** What a child prints for {@link #run} to read. */
    static void print(double... figures) {
        System.out.println(LINE + " " + Arrays.stream(figures).mapToObj(Double::toString).collect(Collectors.joining(" ")));
    }
}
