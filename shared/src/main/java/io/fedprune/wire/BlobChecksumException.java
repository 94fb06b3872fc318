package io.fedprune.wire;

/**
 * A blob's bytes do not match their checksums: a chunk's CRC-32C, or the SHA-256 of the whole (the chunks' or the
 * reference's). Rejected as {@link RejectReason#CHECKSUM_MISMATCH}.
 */
public class BlobChecksumException extends BlobException {
    /** A checksum failure of blob {@code blobId}. */
    public BlobChecksumException(String blobId, String message) {
        super(blobId, message);
    }
}
