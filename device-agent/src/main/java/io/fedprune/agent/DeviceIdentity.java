package io.fedprune.agent;

import io.fedprune.wire.Signatures;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
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
        Files.createDirectories(file.toAbsolutePath().getParent());
        Properties p = new Properties();
        p.setProperty("device.public.key", Signatures.encodePublicKey(keys.getPublic()));
        p.setProperty("device.private.key", Signatures.encodePrivateKey(keys.getPrivate()));
        p.setProperty("coordinator.public.key", Signatures.encodePublicKey(coordinatorKey));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        try (Writer w = Files.newBufferedWriter(tmp)) {
            p.store(w, "fedprune device identity (private key: keep secret)");
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
