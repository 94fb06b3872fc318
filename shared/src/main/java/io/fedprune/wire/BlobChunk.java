package io.fedprune.wire;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.zip.CRC32C;

import static io.fedprune.wire.Checks.atLeast;
import static io.fedprune.wire.Checks.bad;
import static io.fedprune.wire.Checks.orEmpty;
import static io.fedprune.wire.Checks.present;
import static io.fedprune.wire.Checks.hexSha256;
import static io.fedprune.wire.Checks.text;

/**
 * One numbered piece of a blob, published on a blob topic (blobs or uploads) keyed by {@code blobId}. Every chunk repeats the
 * blob's header (count, total size, SHA-256 of the whole, content type), so any chunk tells a reader what to
 * expect. On the wire each chunk also carries the CRC-32C of its data, so a corrupt chunk is named by its index.
 *
 * <p>{@code data} is kept as a read-only view, not copied (this is the bulk-transfer path): the chunk of a payload
 * is a view on the payload, a decoded chunk a view on the record it came from. Do not modify the underlying array
 * while the chunk is in use.
 *
 * @param blobId      the blob id (record key)
 * @param index       0 .. count-1
 * @param count       number of chunks of the blob
 * @param totalSize   size of the whole payload in bytes
 * @param sha256      SHA-256 of the whole payload (64 lowercase hex digits)
 * @param contentType the payload's content type, may be empty
 * @param data        this chunk's bytes (the remaining bytes of the buffer)
 */
public record BlobChunk(String blobId, int index, int count, long totalSize, String sha256, String contentType, ByteBuffer data)
        implements Message {

    public BlobChunk {
        text(blobId, "blob_chunk.blob_id");
        atLeast(count, 1, "blob_chunk.count");
        atLeast(index, 0, "blob_chunk.index");
        if (index >= count) throw bad("blob_chunk.index " + index + " must be < count " + count);
        atLeast(totalSize, 0L, "blob_chunk.total_size");
        hexSha256(sha256, "blob_chunk.sha256");
        contentType = orEmpty(contentType);
        data = present(data, "blob_chunk.data").slice().asReadOnlyBuffer();
        if (data.remaining() > totalSize) throw bad("blob_chunk.data has " + data.remaining() + " bytes, more than total_size " + totalSize);
    }

    /** A chunk viewing {@code data} (not copied). */
    public BlobChunk(String blobId, int index, int count, long totalSize, String sha256, String contentType, byte[] data) {
        this(blobId, index, count, totalSize, sha256, contentType, ByteBuffer.wrap(present(data, "blob_chunk.data")));
    }

    /** A read-only view of this chunk's bytes (position 0, limit {@link #size()}). */
    @Override
    public ByteBuffer data() {
        return data.duplicate();
    }

    /** Number of data bytes. */
    public int size() {
        return data.remaining();
    }

    /** A copy of the data bytes. */
    public byte[] toByteArray() {
        byte[] out = new byte[data.remaining()];
        data.duplicate().get(out);
        return out;
    }

    /** Copies the data bytes into {@code dest} at {@code offset}. */
    public void copyTo(byte[] dest, int offset) {
        data.duplicate().get(dest, offset, data.remaining());
    }

    /** The reference that names this chunk's blob. */
    public BlobRef ref() {
        return new BlobRef(blobId, sha256, totalSize, count, contentType);
    }

    /** CRC-32C of {@link #data()}. */
    public int crc32c() {
        CRC32C crc = new CRC32C();
        crc.update(data.duplicate());
        return (int) crc.getValue();
    }

    @Override
    public MessageType type() {
        return MessageType.BLOB_CHUNK;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlobChunk c && index == c.index && count == c.count && totalSize == c.totalSize
                && blobId.equals(c.blobId) && sha256.equals(c.sha256) && contentType.equals(c.contentType)
                && data.equals(c.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(blobId, index, count, totalSize, sha256, contentType) * 31 + data.hashCode();
    }

    @Override
    public String toString() {
        return "BlobChunk[" + blobId + " " + (index + 1) + "/" + count + ", " + data.remaining() + " of " + totalSize + " bytes]";
    }
}
