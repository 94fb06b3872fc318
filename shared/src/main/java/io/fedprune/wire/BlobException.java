package io.fedprune.wire;

/**
 * A blob could not be written or read whole: a missing, duplicate, out-of-order or corrupt chunk, a checksum
 * mismatch, a time-out or a transport failure. The message names the blob and what went wrong; no partial payload
 * is ever handed out.
 */
public class BlobException extends RuntimeException {
    private final String blobId;

    /** A failure of blob {@code blobId}. */
    public BlobException(String blobId, String message) {
        super("blob " + blobId + ": " + message);
        this.blobId = blobId;
    }

    /** A failure of blob {@code blobId} caused by {@code cause}. */
    public BlobException(String blobId, String message, Throwable cause) {
        super("blob " + blobId + ": " + message, cause);
        this.blobId = blobId;
    }

    /** The blob concerned. */
    public String blobId() {
        return blobId;
    }
}
