package io.fedprune.coordinator.fleet;

import io.fedprune.wire.KeyFiles;
import io.fedprune.wire.Signatures;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Properties;

/**
 * The coordinator's Ed25519 key pair, with which it signs round starts and deployments; created on first start in
 * {@code <work-dir>/coordinator-key.properties} (owner-only permissions) and kept from then on, so that enrolled devices
 * keep trusting a restarted coordinator.
 */
public final class CoordinatorKey {
    private CoordinatorKey() {
    }

    /** The key pair stored in {@code file}, created there first if missing. */
    public static KeyPair loadOrCreate(Path file) {
        try {
            if (Files.exists(file)) {
                Properties p = KeyFiles.load(file);
                return new KeyPair(Signatures.decodePublicKey(p.getProperty("public.key")), Signatures.decodePrivateKey(p.getProperty("private.key")));
            }
            KeyPair keys = Signatures.generate();
            Properties p = new Properties();
            p.setProperty("public.key", Signatures.encodePublicKey(keys.getPublic()));
            p.setProperty("private.key", Signatures.encodePrivateKey(keys.getPrivate()));
            KeyFiles.store(file, p, "fedprune coordinator signing key (private key: keep secret)");
            return keys;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the coordinator key " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("bad coordinator key file " + file + ": " + e.getMessage(), e);
        }
    }
}
