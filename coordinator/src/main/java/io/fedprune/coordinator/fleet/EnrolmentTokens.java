package io.fedprune.coordinator.fleet;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * One-time enrolment tokens the operator issues through the API (with the operator's bearer token) and hands to a
 * device, which presents one when it registers its public key. A token is good for one enrolment and expires after
 * its time to live; tokens live in memory only (a restart voids the unused ones). Thread-safe.
 */
public final class EnrolmentTokens {
    private final SecureRandom random = new SecureRandom();
    private final LongSupplier clock;
    private final Map<String, Long> expiries = new HashMap<>();

    /** Tokens timed by {@code clock} (Unix epoch milliseconds). */
    public EnrolmentTokens(LongSupplier clock) {
        this.clock = clock;
    }

    /** A fresh token valid for {@code ttlMs}. */
    public synchronized String issue(long ttlMs) {
        if (ttlMs < 1) throw new IllegalArgumentException("ttlMs must be >= 1, was " + ttlMs);
        byte[] b = new byte[24];
        random.nextBytes(b);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        expiries.put(token, clock.getAsLong() + ttlMs);
        expiries.values().removeIf(t -> t < clock.getAsLong());
        return token;
    }

    /** Uses up {@code token}: true if it was issued, unused and not expired. */
    public synchronized boolean redeem(String token) {
        Long expiry = token == null ? null : expiries.remove(token);
        return expiry != null && expiry >= clock.getAsLong();
    }
}
