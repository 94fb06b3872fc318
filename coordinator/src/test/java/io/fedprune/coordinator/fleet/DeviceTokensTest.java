package io.fedprune.coordinator.fleet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class DeviceTokensTest {

    @Test
    void aTokenMatchesOnlyItsOwnDeviceFileAndNoPathOutsideTheFolder(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("tokens"));
        Files.writeString(dir.resolve("phone-1"), "  s3cret\n");
        Files.writeString(tmp.resolve("outside"), "s3cret");
        Files.writeString(dir.resolve("empty"), "\n");
        DeviceTokens tokens = new DeviceTokens(dir);
        assertTrue(tokens.matches("phone-1", "s3cret"));
        assertFalse(tokens.matches("phone-1", "s3cre"));
        assertFalse(tokens.matches("phone-2", "s3cret"), "no file, no token");
        assertFalse(tokens.matches("../outside", "s3cret"), "a device id is a file name, never a path");
        assertFalse(tokens.matches(".", "s3cret"));
        assertFalse(tokens.matches("empty", ""), "an empty file is no token");
        assertFalse(tokens.matches("phone-1", null));
    }
}
