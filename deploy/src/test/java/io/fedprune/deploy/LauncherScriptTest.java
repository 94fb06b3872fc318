package io.fedprune.deploy;

import io.fedprune.Version;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The commands the {@code ./fedprune} script runs itself (fetch-data, build, and its own --version) answer --help and --version without running. */
class LauncherScriptTest {
    static final Path SCRIPT = Path.of("..", "fedprune").toAbsolutePath().normalize();

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("launcher", ".out"), err = Files.createTempFile("launcher", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            int code = p.waitFor();
            return new Run(code, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void ownCommandsAnswerHelpAndVersionWithoutRunning() throws Exception {
        assertTrue(Files.isRegularFile(SCRIPT), SCRIPT.toString());
        assertEquals(Version.LINE, run("--version").out().strip(), "the script reads the number from Version.java");
        for (String c : List.of("fetch-data", "build")) {
            Run help = run(c, "--help");
            assertEquals(0, help.code(), c + ": " + help.err());
            assertTrue(help.out().startsWith("Usage: ./fedprune " + c) && help.out().contains("--version"), help.out());
            assertEquals("", help.err(), c + " --help must not build or fetch anything");
            Run version = run(c, "--version");
            assertEquals(0, version.code());
            assertEquals(Version.LINE, version.out().strip());
            Run bad = run(c, "--frobnicate");
            assertEquals(2, bad.code());
            assertEquals(1, bad.err().strip().lines().count(), bad.err());
            assertTrue(bad.err().startsWith(c + ": ") && bad.err().contains("--frobnicate"), bad.err());
        }
        Run usage = run("--help");
        assertEquals(0, usage.code());
        for (String c : List.of("demo", "broker", "local", "agent", "coordinator", "bench", "fetch-data", "build"))
            assertTrue(usage.out().contains("\n  " + c + " "), c + " missing from the usage:\n" + usage.out());
    }
}
