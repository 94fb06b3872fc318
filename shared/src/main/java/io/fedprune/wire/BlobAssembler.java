package io.fedprune.wire;

import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Reassembles one blob from its chunks, which must arrive in order 0, 1, ..., count-1 (as they are published on
 * one partition), and verifies size and SHA-256 before handing out the payload. Any missing, duplicate,
 * out-of-order, inconsistent or corrupt chunk throws {@link BlobException}; the payload is only available when
 * complete and verified. Not thread-safe.
 */
public final class BlobAssembler {
    private final String blobId;
    private final long maxBytes;
    private BlobChunk header;
    private byte[] buffer;
    private MessageDigest digest;
    private long filled;
    private int next;
    private byte[] payload;

    /**
     * An assembler for {@code blobId}.
     *
     * @param maxBytes largest payload accepted (guards against a bogus total size)
     */
    public BlobAssembler(String blobId, long maxBytes) {
        this.blobId = blobId;
        this.maxBytes = maxBytes;
    }

    /**
     * Takes the next chunk.
     *
     * @return true when this chunk completed the blob (then {@link #payload()} is available)
     * @throws BlobException for a chunk of another blob, a missing, duplicate or out-of-order chunk, a header that
     *                       differs from the first chunk's, a size or SHA-256 mismatch
     */
    public boolean accept(BlobChunk c) {
        if (!c.blobId().equals(blobId)) throw new BlobException(blobId, "got a chunk of blob " + c.blobId());
        if (payload != null) throw new BlobException(blobId, "chunk " + c.index() + " arrived after the blob was complete (duplicate)");
        if (header == null) {
            if (c.index() != 0) {
                throw new BlobException(blobId, "first chunk seen is " + c.index() + " of " + c.count() + "; chunks 0.." + (c.index() - 1) + " are missing");
            }
            if (c.totalSize() > maxBytes) throw new BlobException(blobId, "size " + c.totalSize() + " bytes exceeds the limit of " + maxBytes);
            if (c.totalSize() > Integer.MAX_VALUE - 8) throw new BlobException(blobId, "size " + c.totalSize() + " bytes does not fit a Java array");
            header = c;
            buffer = new byte[(int) c.totalSize()];
            digest = Blobs.sha256();
        } else {
            if (c.count() != header.count() || c.totalSize() != header.totalSize() || !c.sha256().equals(header.sha256())) {
                throw new BlobException(blobId, "chunk " + c.index() + " header (count " + c.count() + ", size " + c.totalSize() + ", sha256 "
                        + c.sha256() + ") differs from chunk 0's (count " + header.count() + ", size " + header.totalSize() + ", sha256 " + header.sha256() + ")");
            }
            if (c.index() < next) throw new BlobException(blobId, "chunk " + c.index() + " arrived again after chunk " + (next - 1) + " (duplicate or out of order)");
            if (c.index() > next) {
                throw new BlobException(blobId, "chunk " + c.index() + " arrived where chunk " + next + " was expected (chunk"
                        + (c.index() - next > 1 ? "s " + next + ".." + (c.index() - 1) : " " + next) + " missing or out of order)");
            }
        }
        int n = c.size();
        if (filled + n > buffer.length) {
            throw new BlobException(blobId, "chunk " + c.index() + " overflows the declared size " + buffer.length + " bytes");
        }
        c.copyTo(buffer, (int) filled);
        digest.update(buffer, (int) filled, n);
        filled += n;
        next++;
        if (next < header.count()) return false;
        if (filled != buffer.length) {
            throw new BlobException(blobId, "all " + header.count() + " chunks hold " + filled + " bytes, the declared size is " + buffer.length);
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        if (!actual.equals(header.sha256())) {
            throw new BlobChecksumException(blobId, "SHA-256 of the reassembled " + filled + " bytes is " + actual + ", the chunks declare "
                    + header.sha256() + " (corrupt chunk)");
        }
        payload = buffer;
        buffer = null;
        return true;
    }

    /** Chunks taken so far. */
    public int received() {
        return next;
    }

    /** Chunks expected (0 before the first chunk). */
    public int expected() {
        return header == null ? 0 : header.count();
    }

    /** Whether the blob is complete and verified. */
    public boolean complete() {
        return payload != null;
    }

    /** The verified payload; throws {@link IllegalStateException} before completion. Not copied. */
    public byte[] payload() {
        if (payload == null) throw new IllegalStateException("blob " + blobId + " is not complete: " + next + " of " + expected() + " chunks");
        return payload;
    }

    /** The reference described by the chunks (null before the first chunk). */
    public BlobRef ref() {
        return header == null ? null : header.ref();
    }
}
