package io.fedprune.wire;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;

/**
 * The one way key material is kept on disk: a Java properties file, written whole to a temporary file with owner-only
 * permissions (where the file system has them) and moved into place, so a crash never leaves half a key behind.
 * Used for the coordinator's key pair and for a device's identity.
 */
public final class KeyFiles {
    private KeyFiles() {
    }

    /** The properties in {@code file}. */
    public static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        return p;
    }

    /** Writes {@code properties} to {@code file} (owner-only, replacing it), creating its folder if needed. */
    public static void store(Path file, Properties properties, String comment) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        try (Writer w = Files.newBufferedWriter(tmp)) {
            properties.store(w, comment);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
}
