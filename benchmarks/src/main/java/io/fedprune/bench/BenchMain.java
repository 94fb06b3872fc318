package io.fedprune.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.fedprune.bench.Interleaved.f;

/**
 * {@code ./fedprune bench [SECTION...]}: the benchmark suite. Each section measures its figures against a baseline in
 * the same run (medians of interleaved repetitions) and returns Markdown; the suite writes every section it ran into
 * docs/BENCHMARKS.md (replacing that section, keeping the others) under a header with the command and the machine.
 * No section given = all of them. Sections are registered in {@link #SECTIONS}, in the order of the document. Each
 * section runs in a JVM of its own ({@link Forked}): in one JVM the sections run first left their JIT profiles to the
 * later ones (the deploy section's compact runtime at one sample took 20.7 us after the other sections, 12.1 us alone,
 * on the same build).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, version = io.fedprune.Version.LINE, description = "Run the benchmark suite and write docs/BENCHMARKS.md.")
public final class BenchMain implements java.util.concurrent.Callable<Integer> {

    /** One section of docs/BENCHMARKS.md. */
    interface Section {
        String title();

        String run(BenchMain options) throws Exception;
    }

    private record Simple(String title, Body body) implements Section {
        @Override
        public String run(BenchMain o) throws Exception {
            return body.run(o);
        }
    }

    @FunctionalInterface
    private interface Body {
        String run(BenchMain o) throws Exception;
    }

    /** The sections, by name, in document order. */
    static final Map<String, Section> SECTIONS = new LinkedHashMap<>();

    static {
        SECTIONS.put("dpp", new Simple("DPP step against the dense step", o -> DppStepBench.section(o.quick)));
        SECTIONS.put("fusion", new Simple("Fusion throughput", o -> FusionBench.section(o.quick ? 1 : 3, o.quick)));
        SECTIONS.put("blob", new Simple("Blob throughput through the broker", o -> BlobThroughputBench.section(o.quick)));
        SECTIONS.put("rounds", new Simple("Round overhead", o -> RoundOverheadBench.section(o.quick, o.data, o.runs.resolve("rounds"))));
        SECTIONS.put("uplink", new Simple("Uplink: bits per parameter and accuracy per encoding", o -> DemoRuns.uplinkSection(o.runs, o.data)));
        SECTIONS.put("demo", new Simple("End-to-end demo wall time", o -> DemoRuns.demoSection(o.runs, o.data)));
        SECTIONS.put("deploy", new Simple("Deployment", o -> captured(() -> io.fedprune.Cli.execute(new DeployBench(),
                "--data", o.data.toString(), o.runs.resolve("demo-default").resolve("artifacts").toString()))));
    }

    @Parameters(arity = "0..*", paramLabel = "SECTION", description = "Sections to run (default: all): ${COMPLETION-CANDIDATES}",
            completionCandidates = Names.class)
    List<String> sections = new ArrayList<>();

    @Option(names = "--quick", description = "Fewer repetitions and smaller sizes (a smoke run; figures are noisier).")
    boolean quick;

    @Option(names = "--out", description = "The document to write (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("docs/BENCHMARKS.md");

    @Option(names = "--runs", description = "Folder of the demo runs the end-to-end sections read, or make when missing (default: ${DEFAULT-VALUE}).")
    Path runs = Path.of("work/bench");

    @Option(names = "--data", description = "MNIST folder for the sections that train (default: ${DEFAULT-VALUE}).")
    Path data = Path.of("data/mnist");

    /** Set in the child JVM a section runs in: where it writes the section's text (for the parent to read). */
    @Option(names = "--section-text", hidden = true)
    Path sectionText;

    static final class Names extends ArrayList<String> {
        Names() {
            super(SECTIONS.keySet());
        }
    }

    /** What {@code body} prints to standard output (for benchmarks that print their report). */
    static String captured(java.util.function.IntSupplier body) {
        java.io.PrintStream old = System.out;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            if (body.getAsInt() != 0) throw new IllegalStateException("benchmark failed");
        } finally {
            System.setOut(old);
        }
        return buf.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.exit(io.fedprune.Cli.execute(new BenchMain(), args));
    }

    @Override
    public Integer call() throws Exception {
        sections.remove("all");
        List<String> names = sections.isEmpty() ? List.copyOf(SECTIONS.keySet()) : sections;
        for (String n : names) if (!SECTIONS.containsKey(n)) throw new CommandLine.ParameterException(new CommandLine(this), "unknown section " + n);
        String command = "./fedprune bench" + (sections.isEmpty() ? "" : " " + String.join(" ", sections)) + (quick ? " --quick" : "");
        if (sectionText != null) {
            if (names.size() != 1) throw new CommandLine.ParameterException(new CommandLine(this), "--section-text takes one section");
            Files.writeString(sectionText, SECTIONS.get(names.get(0)).run(this));
            return 0;
        }
        for (String n : names) {
            Section s = SECTIONS.get(n);
            System.out.println("== " + s.title() + " ...");
            Instant t0 = Instant.now();
            String body = forked(n);
            String text = f("## %s%n%n`%s`, %s, took %d s, load average before/after %s.%n%n%s", s.title(),
                    "./fedprune bench " + n + (quick ? " --quick" : ""), t0.truncatedTo(ChronoUnit.SECONDS), ChronoUnit.SECONDS.between(t0, Instant.now()),
                    loadBeforeAfter(t0), body);
            System.out.println(text);
            write(out, n, text, command);
        }
        return 0;
    }

    /** Runs section {@code name} in a child JVM with this run's options, its output shown as it comes; returns its text. */
    private String forked(String name) throws Exception {
        Path text = Files.createTempFile("fedprune-bench-" + name, ".md");
        try {
            List<String> args = new ArrayList<>(List.of(name, "--section-text", text.toString(), "--out", out.toString(),
                    "--runs", runs.toString(), "--data", data.toString()));
            if (quick) args.add("--quick");
            int code = Forked.process(BenchMain.class, args).inheritIO().start().waitFor();
            if (code != 0) throw new IllegalStateException("the section " + name + " failed (exit code " + code + ")");
            return Files.readString(text);
        } finally {
            Files.deleteIfExists(text);
        }
    }

    private String loadStart = load();

    private String loadBeforeAfter(Instant t0) {
        String s = loadStart + " / " + load();
        loadStart = load();
        return s;
    }

    private static String load() {
        return f("%.1f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** Replaces (or appends) section {@code name} of the document, between its markers, and refreshes the header. */
    static synchronized void write(Path doc, String name, String text, String command) throws IOException {
        String begin = "<!-- bench:" + name + " -->", end = "<!-- /bench:" + name + " -->";
        String old = Files.exists(doc) ? Files.readString(doc) : "";
        int h = old.indexOf("<!-- bench:");
        String sectionsPart = h < 0 ? "" : old.substring(h);
        String block = begin + "\n" + text.strip() + "\n" + end;
        int a = sectionsPart.indexOf(begin), b = sectionsPart.indexOf(end);
        if (a >= 0 && b > a) sectionsPart = sectionsPart.substring(0, a) + block + sectionsPart.substring(b + end.length());
        else sectionsPart = insertInOrder(sectionsPart, name, block);
        Files.createDirectories(doc.toAbsolutePath().getParent());
        Files.writeString(doc, header(command) + "\n" + sectionsPart.strip() + "\n");
    }

    private static String insertInOrder(String part, String name, String block) {
        List<String> order = new ArrayList<>(SECTIONS.keySet());
        for (int i = order.indexOf(name) + 1; i < order.size() && i > 0; i++) {
            int at = part.indexOf("<!-- bench:" + order.get(i) + " -->");
            if (at >= 0) return part.substring(0, at) + block + "\n\n" + part.substring(at);
        }
        return part.strip() + (part.isBlank() ? "" : "\n\n") + block;
    }

    static String header(String lastCommand) {
        return f("# Benchmarks%n%nWritten by `./fedprune bench` (all sections; `./fedprune bench SECTION...` rewrites only those, "
                + "keeping the others; `--quick` for a smoke run). Every figure is a median of repetitions, beside a baseline "
                + "measured in the same run and interleaved with it; each section names its command, its time and the load "
                + "on the machine while it ran (on a shared machine the ratios are the figures to compare, and CPU-time "
                + "ratios the least disturbed). Last run: `%s`.%n%nMachine: %s.%n", lastCommand, machine());
    }

    static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.replaceAll(".*:\\s*", "")).findFirst().orElse(cpu);
        } catch (IOException ignored) {
            // not Linux
        }
        return f("%s, %d cores visible to the JVM, %.0f GB RAM, %s %s, Java %s (%s), OMP_NUM_THREADS=%s", cpu,
                Runtime.getRuntime().availableProcessors(),
                ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize() / 1e9,
                System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("java.version"),
                System.getProperty("java.vm.name"), System.getenv("OMP_NUM_THREADS"));
    }
}
