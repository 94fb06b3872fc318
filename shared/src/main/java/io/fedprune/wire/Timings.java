package io.fedprune.wire;

import static io.fedprune.wire.Checks.atLeast;

/**
 * Where a device spent its round, in milliseconds (each {@code >= 0}).
 *
 * @param fetchMs  fetching model and global logits
 * @param trainMs  local training
 * @param encodeMs encoding the update
 * @param uploadMs uploading it
 */
public record Timings(long fetchMs, long trainMs, long encodeMs, long uploadMs) {
    public Timings {
        atLeast(fetchMs, 0L, "timings.fetch_ms");
        atLeast(trainMs, 0L, "timings.train_ms");
        atLeast(encodeMs, 0L, "timings.encode_ms");
        atLeast(uploadMs, 0L, "timings.upload_ms");
    }

    /** The sum of all parts. */
    public long totalMs() {
        return fetchMs + trainMs + encodeMs + uploadMs;
    }
}
