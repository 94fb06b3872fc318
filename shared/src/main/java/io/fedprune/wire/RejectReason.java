package io.fedprune.wire;

/** Why a record was rejected (and dead-lettered); mirrors {@code fedprune.v1.RejectReason}. */
public enum RejectReason {
    /** The schema version is missing, unknown or newer than this reader. */
    UNSUPPORTED_VERSION,
    /** The type does not match the body, or is not a type the topic carries. */
    WRONG_TYPE,
    /** The bytes end in the middle of a field. */
    TRUNCATED,
    /** Not a valid protobuf encoding (or an empty / null value). */
    MALFORMED,
    /** A field is missing or out of range. */
    INVALID_FIELD,
    /** A tensor's data does not match its dtype and shape, or a shape is not the expected one. */
    SHAPE_MISMATCH,
    /** NaN or infinity where only finite numbers are allowed. */
    NON_FINITE,
    /** Larger than the configured limit. */
    OVERSIZE,
    /** A checksum (chunk CRC-32C, blob SHA-256) does not match the data. */
    CHECKSUM_MISMATCH,
    /** Already seen (same job, round, device). */
    DUPLICATE,
    /** After the deadline, or for a round that is closed. */
    LATE,
    /** Decoded, but the handler failed on it. */
    HANDLER_ERROR,
    /** A message that must be signed carries no signature. */
    UNSIGNED,
    /** The signature does not verify with the sender's key (forged, altered, or signed by another key). */
    BAD_SIGNATURE,
    /** The sender has no enrolled key. */
    UNKNOWN_KEY,
    /** The sender's key was revoked. */
    REVOKED_KEY,
    /** A message id already seen: the message was replayed. */
    REPLAYED
}
