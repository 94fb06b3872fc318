package io.fedprune.bench;

import io.fedprune.Cli;
import io.fedprune.Version;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./fedprune bench} and the command it runs for a section answer --help and --version without running anything. */
class BenchCliTest {
    record Run(int code, String out, String err) {
    }

    static Run run(Object command, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Cli.commandLine(command);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void benchAndItsSectionsAnswerHelpAndVersion() {
        for (String[] args : new String[][]{{"--help"}, {"dpp", "--help"}, {"blob", "--help"}, {"--data", "data/mnist", "uplink", "-h"}}) {
            Run r = run(new BenchMain(), args);
            assertEquals(0, r.code(), String.join(" ", args));
            assertTrue(r.out().startsWith("Usage: bench") && r.out().replaceAll("\\s+", " ").contains("dpp, fusion, blob, rounds, uplink, demo, deploy"), r.out());
        }
        for (String[] args : new String[][]{{"--version"}, {"dpp", "--version"}, {"--data", "data/mnist", "deploy", "-V"}}) {
            Run r = run(new BenchMain(), args);
            assertEquals(0, r.code(), String.join(" ", args));
            assertEquals(Version.LINE, r.out().strip(), String.join(" ", args));
        }
        Run help = run(new DeployBench(), "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().startsWith("Usage: deploy"), help.out());
        Run version = run(new DeployBench(), "--version");
        assertEquals(Version.LINE, version.out().strip());
    }

    @Test
    void anUnknownSectionIsOneLineAndExitTwo() {
        Run r = run(new BenchMain(), "warp");
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("bench: ") && r.err().contains("warp"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void theDeploySectionShowsItsDataFolderRelativeToTheWorkingDirectory() {
        java.nio.file.Path here = java.nio.file.Path.of("").toAbsolutePath();
        assertEquals(java.nio.file.Path.of("data/mnist"), DeployBench.shown(here.resolve("data/mnist")));
        assertEquals(java.nio.file.Path.of("data/mnist"), DeployBench.shown(java.nio.file.Path.of("data/mnist")));
        java.nio.file.Path outside = here.getRoot().resolve("elsewhere-" + System.nanoTime()).resolve("mnist");
        assertEquals(outside, DeployBench.shown(outside));
    }

    @Test
    void aSectionRunsInAJvmOfItsOwnAndItsFailureLeavesTheDocumentAsItWas(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path doc = dir.resolve("BENCHMARKS.md");
        java.nio.file.Files.writeString(doc, "# Benchmarks\n\nby hand\n");
        // the child JVM finds no MNIST there, fails, and the parent says which section failed
        Run r = run(new BenchMain(), "deploy", "--out", doc.toString(), "--data", dir.resolve("no-mnist").toString(),
                "--runs", dir.resolve("runs").toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("the section deploy failed (exit code"), r.err());
        assertEquals("# Benchmarks\n\nby hand\n", java.nio.file.Files.readString(doc));
        Run two = run(new BenchMain(), "blob", "rounds", "--section-text", dir.resolve("t.md").toString());
        assertEquals(2, two.code(), two.err());
        assertTrue(two.err().contains("--section-text takes one section"), two.err());
    }
}
