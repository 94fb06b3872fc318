package io.fedprune.wire;

import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides whether a received envelope may be used, before anything else looks at it: it must be signed
 * ({@link RejectReason#UNSIGNED}), its sender must have a key ({@link RejectReason#UNKNOWN_KEY}) that is not revoked
 * ({@link RejectReason#REVOKED_KEY}), the signature must verify with that key ({@link RejectReason#BAD_SIGNATURE}),
 * the device a body names must be the signer ({@link RejectReason#INVALID_FIELD}), and its message id must not have
 * been seen from that sender ({@link RejectReason#REPLAYED}; the last {@code rememberedIds} ids are kept). Replays of
 * an older round are refused by the round loop as well ({@link RejectReason#LATE}). Thread-safe.
 */
public final class MessageVerifier {

    /**
     * What is known of a sender's key.
     *
     * @param key     the enrolled public key
     * @param revoked whether it was revoked
     */
    public record KeyStatus(PublicKey key, boolean revoked) {
        public KeyStatus {
            Objects.requireNonNull(key, "key");
        }
    }

    /** Looks up the key of a sender; null if it has none. */
    @FunctionalInterface
    public interface KeyLookup {
        KeyStatus lookup(String sender);
    }

    private final KeyLookup keys;
    private final Map<String, Boolean> seen;

    /** A verifier over {@code keys} that remembers the last {@code rememberedIds} message ids (e.g. 100,000). */
    public MessageVerifier(KeyLookup keys, int rememberedIds) {
        this.keys = Objects.requireNonNull(keys, "keys");
        if (rememberedIds < 1) throw new IllegalArgumentException("rememberedIds must be >= 1, was " + rememberedIds);
        this.seen = new LinkedHashMap<>(1024, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > rememberedIds;
            }
        };
    }

    /** A verifier for messages of one sender with one key (e.g. the coordinator's, checked by agents). */
    public static MessageVerifier single(String sender, PublicKey key, int rememberedIds) {
        KeyStatus status = new KeyStatus(key, false);
        return new MessageVerifier(s -> s.equals(sender) ? status : null, rememberedIds);
    }

    /** Empty if {@code e} may be used (and its id is remembered from now on), else why not. */
    public Optional<Rejection> check(Envelope e) {
        if (!e.signed()) return reject(RejectReason.UNSIGNED, e.type() + " from " + e.sender() + " is not signed");
        KeyStatus status = keys.lookup(e.sender());
        if (status == null) return reject(RejectReason.UNKNOWN_KEY, e.sender() + " has no enrolled key");
        if (status.revoked()) return reject(RejectReason.REVOKED_KEY, "the key of " + e.sender() + " was revoked");
        Optional<Rejection> bad = Signatures.verify(e, status.key());
        if (bad.isPresent()) return bad;
        String named = namedDevice(e.body());
        if (named != null && !named.equals(e.sender()))
            return reject(RejectReason.INVALID_FIELD, e.type() + " names device " + named + " but is signed by " + e.sender());
        synchronized (seen) {
            if (seen.putIfAbsent(e.sender() + "\0" + e.messageId(), Boolean.TRUE) != null)
                return reject(RejectReason.REPLAYED, e.type() + " " + e.messageId() + " from " + e.sender() + " was already received");
        }
        return Optional.empty();
    }

    /** The device a body speaks for, if any. */
    private static String namedDevice(Message body) {
        if (body instanceof Update u) return u.deviceId();
        if (body instanceof DeploymentAck a) return a.deviceId();
        if (body instanceof DeviceHello h) return h.profile().deviceId();
        if (body instanceof Heartbeat h) return h.profile().deviceId();
        return null;
    }

    private static Optional<Rejection> reject(RejectReason reason, String detail) {
        return Optional.of(new Rejection(reason, detail));
    }
}
