package io.fedprune.wire;

import static io.fedprune.wire.Checks.atLeast;
import static io.fedprune.wire.Checks.bad;
import static io.fedprune.wire.Checks.orEmpty;
import static io.fedprune.wire.Checks.hexSha256;
import static io.fedprune.wire.Checks.text;

/**
 * A claim check: names a payload that travels as {@link BlobChunk}s on a blob topic: the uploads topic for an
 * {@link Update}'s logits, the blobs topic for every other reference (docs/PROTOCOL.md, Blobs).
 *
 * @param blobId      the blob's id (the chunks' record key)
 * @param sha256      SHA-256 of the whole payload, 64 lowercase hex digits
 * @param size        payload size in bytes
 * @param chunkCount  number of chunks, {@code >= 1}
 * @param contentType what the payload is, e.g. {@link Blobs#TENSORS} or {@link Blobs#SAFETENSORS}; may be empty
 */
public record BlobRef(String blobId, String sha256, long size, int chunkCount, String contentType) {
    public BlobRef {
        text(blobId, "blob_id");
        hexSha256(sha256, "sha256");
        atLeast(size, 0L, "size");
        atLeast(chunkCount, 1, "chunk_count");
        if (chunkCount > Math.max(1, size)) throw bad("chunk_count " + chunkCount + " exceeds size " + size);
        contentType = orEmpty(contentType);
    }
}
