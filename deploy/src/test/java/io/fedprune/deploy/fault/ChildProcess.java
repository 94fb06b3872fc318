package io.fedprune.deploy.fault;

import io.fedprune.Patience;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * A fedprune entry point in a child JVM (this JVM's class path), as the launcher runs it: its output is kept (and
 * copied to a log file) so a test can wait for a line, and it can be stopped with SIGTERM or killed with SIGKILL.
 */
public final class ChildProcess implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final String name;
    private final Thread pump;

    private ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 var w = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                    w.write(line);
                    w.newLine();
                    w.flush();
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "child-" + name);
        pump.setDaemon(true);
        pump.start();
    }

    /** Starts {@code mainClass} with {@code args}, output merged and logged to {@code log}. */
    public static ChildProcess start(String name, Class<?> mainClass, List<String> jvmFlags, Map<String, String> env,
                                     Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().putAll(env);
        Files.createDirectories(log.getParent());
        return new ChildProcess(name, pb.start(), log);
    }

    /** Waits (up to {@link Patience#STEP}) for a line matching {@code p}; returns it. Fails at once if the process ends without it. */
    public String await(Predicate<String> p) {
        AtomicReference<String> seen = new AtomicReference<>();
        Patience.await().alias(name + ": an expected line").pollInterval(Duration.ofMillis(50)).until(() -> {
            boolean ended = !process.isAlive();   // read before the lines: a line printed just before the exit still counts
            for (String l : lines) if (p.test(l)) { seen.set(l); return true; }
            if (ended) throw new IllegalStateException(name + " exited with " + process.exitValue() + " before the expected line; last lines: " + tail());
            return false;
        });
        return seen.get();
    }

    /** The last lines of output. */
    public List<String> tail() {
        return lines.subList(Math.max(0, lines.size() - 20), lines.size());
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** SIGTERM, then waits for the exit; returns the exit code. */
    public int terminate(long seconds) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException(name + " did not stop within " + seconds + " s of SIGTERM; last lines: " + tail());
        }
        pump.join(10_000);   // the last lines
        return process.exitValue();
    }

    /** SIGKILL (kill -9), then waits for the exit. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(60, TimeUnit.SECONDS);
    }

    public boolean alive() {
        return process.isAlive();
    }

    public CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) kill();
    }

    /** A first port such that {@code count} consecutive loopback ports from it are free now. */
    public static int freePorts(int count) {
        Random rnd = new Random();
        for (int attempt = 0; attempt < 200; attempt++) {
            int first = 20_000 + rnd.nextInt(30_000);
            boolean free = true;
            for (int p = first; p < first + count && free; p++) {
                try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                    s.setReuseAddress(true);
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) return first;
        }
        throw new IllegalStateException("no " + count + " consecutive free ports");
    }
}
