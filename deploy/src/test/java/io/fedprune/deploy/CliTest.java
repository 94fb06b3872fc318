package io.fedprune.deploy;

import io.fedprune.Version;
import io.fedprune.agent.AgentMain;
import io.fedprune.coordinator.Application;
import io.fedprune.data.DataFiles;
import io.fedprune.data.TestData;
import io.fedprune.experiment.LocalMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every command of {@code ./fedprune} answers --help and --version without running; a bad option or value, and bad
 * demo or local input, is one line and exit 2. (The benchmarks' commands: {@code BenchCliTest}; the launcher's own
 * commands: {@link LauncherScriptTest}.)
 */
class CliTest {

    record Run(int code, String out, String err) {
    }

    static Run run(Supplier<Callable<Integer>> command, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        PrintStream oldErr = System.err;
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = io.fedprune.Cli.commandLine(command.get());
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            return new Run(code, out.toString(), err + stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
        }
    }

    static final List<Supplier<Callable<Integer>>> COMMANDS = List.of(
            () -> new DemoMain(new String[0]), () -> new LocalMain(new String[0]), BrokerMain::new, AgentMain::new, Application::new);

    @Test
    void everyCommandHasHelpAndVersion() {
        for (Supplier<Callable<Integer>> c : COMMANDS) {
            String name = c.get().getClass().getSimpleName();
            Run help = run(c, "--help");
            assertEquals(0, help.code(), name + ": " + help.err());
            assertTrue(help.out().startsWith("Usage:"), name + ": " + help.out());
            assertTrue(help.out().contains("--version"), name + ": " + help.out());
            assertEquals("", help.err(), name + ": the help text has a problem");
            Run version = run(c, "--version");
            assertEquals(0, version.code(), name);
            assertEquals(Version.LINE, version.out().strip(), name);
        }
    }

    @Test
    void coordinatorHelpDoesNotStartTheServiceAndPortIsAnOption() {
        Run help = run(Application::new, "--help");
        assertTrue(help.out().contains("--port"), help.out());
        assertTrue(help.out().contains("dashboard"), help.out());
        assertEquals(2, run(Application::new, "--port", "70000").code());
        Application app = new Application();
        new CommandLine(app).parseArgs("--port", "9191", "--host", "127.0.0.1");
        assertEquals(9191, app.properties().get("micronaut.server.port"));
        assertEquals("127.0.0.1", app.properties().get("micronaut.server.host"));
    }

    @Test
    void demoRejectsAnEmptyFolderInOneLine(@TempDir Path empty) {
        Run r = run(() -> new DemoMain(new String[0]), "--data", empty.toString(), "--out", empty.resolve("out").toString());
        assertEquals(2, r.code(), r.err());
        assertOneLine(r.err(), "cannot read the data");
    }

    @Test
    void demoRejectsGarbageFilesInOneLine(@TempDir Path dir) throws Exception {
        for (String f : List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"))
            Files.writeString(dir.resolve(f), "this is not an IDX file, just some text\n".repeat(50));
        Run r = run(() -> new DemoMain(new String[0]), "--data", dir.toString(), "--out", dir.resolve("out").toString());
        assertEquals(2, r.code(), r.err());
        assertOneLine(r.err(), "cannot read the data");
    }

    @Test
    void demoRejectsAnUnknownModelInOneLine(@TempDir Path dir) {
        Run r = run(() -> new DemoMain(new String[0]), "--data", dir.toString(), "--model", "vgg16", "--out", dir.resolve("out").toString());
        assertEquals(2, r.code(), r.err());
        assertOneLine(r.err(), "--model");
    }

    @Test
    void badValuesAreOneLineAndExitTwoOnEveryCommand(@TempDir Path dir) {
        record Bad(Supplier<Callable<Integer>> command, String prefix, String contains, String... args) {
        }
        String out = dir.resolve("out").toString();
        for (Bad b : List.of(
                new Bad(() -> new DemoMain(new String[0]), "demo", "--fusion", "--fusion", "loudest", "--out", out),
                new Bad(() -> new DemoMain(new String[0]), "demo", "--encoding", "--encoding", "int4", "--out", out),
                new Bad(() -> new DemoMain(new String[0]), "demo", "--devices", "--devices", "many", "--out", out),
                new Bad(() -> new DemoMain(new String[0]), "demo", "--frobnicate", "--frobnicate", "--out", out),
                new Bad(() -> new DemoMain(new String[0]), "demo", "--temperature-end", "--temperature-end", "0", "--out", out),
                new Bad(() -> new LocalMain(new String[0]), "local", "--keeps", "--keeps", "1.5"),
                new Bad(() -> new LocalMain(new String[0]), "local", "tile", "--lenet5-rows", "tile:0.5"),
                new Bad(() -> new LocalMain(new String[0]), "local", "--dpp-epochs", "--dpp-epochs", "x"),
                new Bad(() -> new LocalMain(new String[0]), "local", "--frobnicate", "--frobnicate", "1"),
                new Bad(() -> new LocalMain(new String[0]), "local", "vgg16", "--models", "vgg16"),
                new Bad(() -> new LocalMain(new String[0]), "local", "--variant-keeps", "--variant-keeps", "some"),
                new Bad(BrokerMain::new, "broker", "--port", "--port", "x"),
                new Bad(AgentMain::new, "fedprune agent", "--heartbeat-ms", "--device-id", "d", "--budget", "0.1", "--data", out, "--heartbeat-ms", "soon"),
                new Bad(Application::new, "coordinator", "--port", "--port", "http"))) {
            Run r = run(b.command(), b.args());
            assertEquals(2, r.code(), String.join(" ", b.args()) + ": " + r.err());
            assertOneLine(r.err(), b.prefix(), b.contains());
            assertEquals("", r.out(), "no usage text on a bad value");
        }
    }

    @Test
    void enumValuesAreCaseInsensitive() {
        DemoMain demo = new DemoMain(new String[0]);
        io.fedprune.Cli.commandLine(demo).parseArgs("--fusion", "trimmed_mean", "--granularity", "Kernel", "--encoding", "mask");
        assertEquals(io.fedprune.fuse.Fusion.TRIMMED_MEAN, demo.fusion);
        assertEquals(io.fedprune.dpp.Granularity.KERNEL, demo.granularity);
        assertEquals(io.fedprune.wire.TensorEncoding.MASK, demo.encoding);
        DemoMain plain = new DemoMain(new String[0]);
        io.fedprune.Cli.commandLine(plain).parseArgs();
        assertNull(plain.granularity, "no --granularity: the default plan");
        assertEquals(io.fedprune.coordinator.job.JobSpec.DEFAULT_TEMPERATURE_END, plain.temperatureEnd);
    }

    @Test
    void demoRowRanksAreOffUnlessAskedFor() {
        DemoMain plain = new DemoMain(new String[0]);
        io.fedprune.Cli.commandLine(plain).parseArgs();
        assertFalse(plain.rowRanks, "default JobSpec.DEFAULT_ROW_RANKS");
        DemoMain on = new DemoMain(new String[0]);
        io.fedprune.Cli.commandLine(on).parseArgs("--row-ranks", "true");
        assertTrue(on.rowRanks);
    }

    @Test
    void localRejectsAnEmptyFolderInOneLine(@TempDir Path empty) {
        Run r = run(() -> new LocalMain(new String[0]), "--data", empty.toString(), "--out", empty.resolve("R.md").toString());
        assertEquals(2, r.code(), r.err());
        assertOneLine(r.err(), "local", "cannot read MNIST");
        r = run(() -> new LocalMain(new String[0]), "--data", empty.resolve("nowhere").toString());
        assertEquals(2, r.code(), r.err());
        assertOneLine(r.err(), "local", "not found");
    }

    /** The committed example model (tools/train-mnist-cnn.py), from the module directory the tests run in. */
    private static final Path CNN = Path.of("..", "models", "mnist-cnn.onnx");

    @Test
    void localRejectsBadModelsAndDataThatDoNotFitInOneLine(@TempDir Path dir) throws Exception {
        String data = TestData.mnistMini().toString(), out = dir.resolve("R.md").toString();
        byte[] cnn = Files.readAllBytes(CNN);
        Path text = Files.writeString(dir.resolve("notes.onnx"), "not a model\n");
        Path truncated = Files.write(dir.resolve("truncated.onnx"), java.util.Arrays.copyOf(cnn, cnn.length / 2));
        // the first Relu replaced by an operator fedprune does not run
        io.fedprune.onnx.proto.ModelProto.Builder b = io.fedprune.onnx.proto.ModelProto.parseFrom(cnn).toBuilder();
        b.getGraphBuilder().getNodeBuilderList().stream().filter(n -> n.getOpType().equals("Relu")).findFirst().orElseThrow().setOpType("Elu");
        Path elu = Files.write(dir.resolve("elu.onnx"), b.build().toByteArray());
        // RGB 32x32 images: not what the CNN (1x28x28) takes
        Path rgb = Files.createDirectories(dir.resolve("rgb"));
        DataFiles.npyBytes(rgb.resolve("x_train.npy"), new int[]{2, 3, 32, 32}, new byte[2 * 3 * 1024]);
        DataFiles.npyLongs(rgb.resolve("y_train.npy"), new int[]{0, 9});
        DataFiles.npyBytes(rgb.resolve("x_test.npy"), new int[]{1, 3, 32, 32}, new byte[3 * 1024]);
        DataFiles.npyLongs(rgb.resolve("y_test.npy"), new int[]{9});
        record Bad(String model, String data, String message) {
        }
        for (Bad bad : List.of(
                new Bad(text.toString(), data, text + ": not an ONNX model"),
                new Bad(truncated.toString(), data, truncated + ": not an ONNX model"),
                new Bad(elu.toString(), data, elu + ": "),
                new Bad(dir.resolve("missing.onnx").toString(), data, "model file " + dir.resolve("missing.onnx") + " not found"),
                new Bad(CNN.toString(), rgb.toString(), "model " + CNN + " takes 1x28x28 images of 10 classes but data " + rgb
                        + " holds 3x32x32 images of 10 classes"),
                new Bad(CNN.toString(), dir.resolve("nowhere").toString(), "cannot read the data"))) {
            Run r = run(() -> new LocalMain(new String[0]), "--model", bad.model(), "--data", bad.data(), "--out", out);
            assertEquals(2, r.code(), bad + ": " + r.err());
            assertOneLine(r.err(), "local", bad.message());
            assertTrue(!bad.model().equals(elu.toString()) || r.err().contains("Elu"), r.err());
        }
        assertFalse(Files.exists(dir.resolve("R.md")), "no report for a run that stopped");
        Run r = run(() -> new LocalMain(new String[0]), "--model", "lenet5", "--data", data);
        assertEquals(2, r.code(), r.err());
        assertOneLine(r.err(), "local", "--model");
        r = run(() -> new LocalMain(new String[0]), "--granularity", "FILTER", "--data", data);
        assertEquals(2, r.code(), r.err());
        assertOneLine(r.err(), "local", "--granularity applies to --model only");
    }

    static void assertOneLine(String err, String contains) {
        assertOneLine(err, "demo", contains);
    }

    static void assertOneLine(String err, String command, String contains) {
        List<String> lines = err.strip().lines().toList();
        assertEquals(1, lines.size(), "expected one line, got:\n" + err);
        assertTrue(lines.get(0).startsWith(command + ": ") && lines.get(0).contains(contains), err);
    }
}
