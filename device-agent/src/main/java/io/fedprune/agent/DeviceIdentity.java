package io.fedprune.agent;

import io.fedprune.wire.KeyFiles;
import io.fedprune.wire.Signatures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Optional;
import java.util.Properties;

/**
 * A device's Ed25519 key pair and the coordinator's public key learnt at enrolment, kept in a properties file
 * ({@code <work-dir>/identity/<device>.properties}, owner-only permissions) so that a restarted agent keeps its
 * identity without enrolling again.
 *
 * @param keys           the device's key pair
 * @param coordinatorKey the coordinator's public key
 */
public record DeviceIdentity(KeyPair keys, PublicKey coordinatorKey) {

    /** Where the identity of {@code deviceId} lives under {@code workDir}. */
    public static Path file(Path workDir, String deviceId) {
        return workDir.resolve("identity").resolve(deviceId + ".properties");
    }

    /** The identity stored in {@code file}, if there is one. */
    public static Optional<DeviceIdentity> load(Path file) throws IOException {
        if (!Files.exists(file)) return Optional.empty();
        Properties p = KeyFiles.load(file);
        try {
            KeyPair keys = new KeyPair(Signatures.decodePublicKey(p.getProperty("device.public.key")),
                    Signatures.decodePrivateKey(p.getProperty("device.private.key")));
            return Optional.of(new DeviceIdentity(keys, Signatures.decodePublicKey(p.getProperty("coordinator.public.key"))));
        } catch (IllegalArgumentException e) {
            throw new IOException("bad identity file " + file + ": " + e.getMessage());
        }
    }

    /** Writes this identity to {@code file} (readable by the owner only where the file system allows). */
    public void save(Path file) throws IOException {
        Properties p = new Properties();
        p.setProperty("device.public.key", Signatures.encodePublicKey(keys.getPublic()));
        p.setProperty("device.private.key", Signatures.encodePrivateKey(keys.getPrivate()));
        p.setProperty("coordinator.public.key", Signatures.encodePublicKey(coordinatorKey));
        KeyFiles.store(file, p, "fedprune device identity (private key: keep secret)");
    }
}
