package io.fedprune.coordinator.fleet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * Enrolment secrets the operator provides per device as files: {@code <dir>/<device id>} holds that device's token
 * (a Kubernetes Secret mounted as a folder, or a folder bind-mounted in compose). Unlike the one-time tokens of
 * {@link EnrolmentTokens} a device token stays valid, so it only ever enrols its own device id, and only while that id
 * has no key yet (or again with the same key): it can never give an enrolled or revoked device a new key.
 */
public final class DeviceTokens {
    private final Path dir;

    /** Tokens in the files of {@code dir}. */
    public DeviceTokens(Path dir) {
        this.dir = dir;
    }

    /** True if {@code <dir>/<deviceId>} exists and holds {@code token} (surrounding white space ignored). */
    public boolean matches(String deviceId, String token) {
        if (token == null || token.isBlank() || deviceId == null || !deviceId.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) return false;
        Path file = dir.resolve(deviceId);
        try {
            if (!Files.isRegularFile(file)) return false;
            byte[] expected = Files.readString(file, StandardCharsets.UTF_8).trim().getBytes(StandardCharsets.UTF_8);
            return expected.length > 0 && MessageDigest.isEqual(expected, token.trim().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            return false;
        }
    }
}
