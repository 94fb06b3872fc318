package io.fedprune.coordinator.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fedprune.wire.MessageVerifier;
import io.fedprune.wire.Signatures;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The devices' enrolled Ed25519 public keys, kept in a JSON file ({@code <work-dir>/device-keys.json}) so that they
 * survive a restart. The file is also the operator's key list: a list of
 * {@code {"deviceId": "...", "publicKey": "<Base64 X.509>", "revoked": false}} written before the coordinator starts
 * enrols those devices without tokens. Thread-safe.
 */
public final class DeviceKeys implements MessageVerifier.KeyLookup {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One device's key.
     *
     * @param deviceId  the device
     * @param publicKey Base64 of the X.509 encoding of its Ed25519 public key
     * @param revoked   whether messages signed with it are refused
     */
    public record Entry(String deviceId, String publicKey, boolean revoked) {
        /** The first 16 hex digits of the key's SHA-256. */
        public String fingerprint() {
            return Signatures.fingerprint(Signatures.decodePublicKey(publicKey));
        }
    }

    /** Enrolling a device that already has another, unrevoked key. */
    public static final class ConflictException extends RuntimeException {
        public ConflictException(String message) {
            super(message);
        }
    }

    private final Path file;
    private final Map<String, Entry> entries = new TreeMap<>();
    private final Map<String, MessageVerifier.KeyStatus> statuses = new TreeMap<>();

    /** Keys kept in {@code file} (read now if it exists). */
    public DeviceKeys(Path file) {
        this.file = file;
        reload();
    }

    /**
     * Reads the file again (a coordinator elected leader: the former leader enrolled devices into the shared file);
     * keys only in memory are kept.
     *
     * @throws IllegalStateException if the file cannot be read
     */
    public synchronized void reload() {
        if (!Files.exists(file)) return;
        try {
            for (Entry e : JSON.readValue(file.toFile(), Entry[].class)) put(e);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot read the device keys in " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Enrols {@code deviceId} with {@code key}; enrolling the same key again changes nothing. A device that has
     * another key which is not revoked is refused, unless {@code replace} (the operator's own, trusted path: an
     * in-process fleet, the key list).
     *
     * @throws ConflictException if the device has another key that is not revoked and {@code replace} is false
     */
    public synchronized Entry enrol(String deviceId, PublicKey key, boolean replace) {
        if (deviceId == null || deviceId.isBlank()) throw new IllegalArgumentException("deviceId must not be blank");
        String encoded = Signatures.encodePublicKey(key);
        Entry old = entries.get(deviceId);
        if (old != null && old.publicKey().equals(encoded) && !old.revoked()) return old;
        if (old != null && !old.revoked() && !replace) throw new ConflictException("device " + deviceId + " is already enrolled with another key (revoke it first)");
        Entry e = new Entry(deviceId, encoded, false);
        put(e);
        save();
        return e;
    }

    /** Revokes the key of {@code deviceId}; false if it has none. */
    public synchronized boolean revoke(String deviceId) {
        Entry old = entries.get(deviceId);
        if (old == null) return false;
        put(new Entry(deviceId, old.publicKey(), true));
        save();
        return true;
    }

    /** The entry of a device, if enrolled. */
    public synchronized Optional<Entry> get(String deviceId) {
        return Optional.ofNullable(entries.get(deviceId));
    }

    /** Every entry, by device id. */
    public synchronized List<Entry> list() {
        return new ArrayList<>(entries.values());
    }

    @Override
    public synchronized MessageVerifier.KeyStatus lookup(String sender) {
        return statuses.get(sender);
    }

    private void put(Entry e) {
        statuses.put(e.deviceId(), new MessageVerifier.KeyStatus(Signatures.decodePublicKey(e.publicKey()), e.revoked()));
        entries.put(e.deviceId(), e);
    }

    private void save() {
        try {
            if (file.toAbsolutePath().getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), entries.values());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the device keys to " + file, e);
        }
    }
}
