package io.fedprune.wire;

import java.util.Objects;

/**
 * A message (or a field of one) is not valid. Thrown by the records' constructors, caught by
 * {@link WireCodec} and turned into a {@link Rejection}; a handler in a
 * {@link io.fedprune.kafka.ConsumerLoop} may throw it too (e.g. with {@link RejectReason#DUPLICATE}) to have
 * the record dead-lettered with that reason.
 */
public class InvalidMessageException extends IllegalArgumentException {
    private final RejectReason reason;

    /** A rejection with the given reason and a message naming the field. */
    public InvalidMessageException(RejectReason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The category of the failure. */
    public RejectReason reason() {
        return reason;
    }

    /** This failure as a {@link Rejection}. */
    public Rejection rejection() {
        return new Rejection(reason, getMessage());
    }
}
