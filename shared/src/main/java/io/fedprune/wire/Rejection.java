package io.fedprune.wire;

import java.util.Objects;

/**
 * Why a record was not accepted.
 *
 * @param reason the category, used for counting and in the dead-letter record
 * @param detail a human-readable explanation naming the field or check, never null
 */
public record Rejection(RejectReason reason, String detail) {
    public Rejection {
        Objects.requireNonNull(reason, "reason");
        detail = detail == null ? "" : detail;
    }

    @Override
    public String toString() {
        return reason + ": " + detail;
    }
}
