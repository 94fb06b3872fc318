package io.fedprune.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LauncherCommandTest {
    @Test
    void dropsTheDataFolderTheLauncherAddsWhenItIsTheDefault() {
        String abs = Path.of("data/mnist").toAbsolutePath().toString();
        assertEquals("./fedprune demo --seed 1 --out docs/demo/seed1",
                LauncherCommand.of("demo", new String[]{"--data", abs, "--seed", "1", "--out", "docs/demo/seed1"}, Path.of("data/mnist")));
        assertEquals("./fedprune demo --data /srv/mnist --seed 1",
                LauncherCommand.of("demo", new String[]{"--data", "/srv/mnist", "--seed", "1"}, Path.of("data/mnist")));
        assertEquals("./fedprune demo", LauncherCommand.of("demo", new String[0], Path.of("data/mnist")));
    }
}
