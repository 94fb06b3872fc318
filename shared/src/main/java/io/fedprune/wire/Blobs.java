package io.fedprune.wire;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.UUID;

/**
 * Splitting a payload into {@link BlobChunk}s (the claim-check pattern inside Kafka): chunk {@code i} holds bytes
 * {@code [i * chunkSize, min((i + 1) * chunkSize, size))}; every chunk carries the SHA-256 of the whole. An empty
 * payload is one empty chunk. {@link BlobAssembler} is the inverse.
 */
public final class Blobs {
    /** Default chunk size: 512 KiB, well below Kafka's default 1 MB record limit. */
    public static final int DEFAULT_CHUNK_SIZE = 512 * 1024;
    /** Content type of a serialized {@code fedprune.v1.TensorBundle} (see {@link WireCodec#encodeTensors}). */
    public static final String TENSORS = "application/x-fedprune-tensors";
    /** Content type of a safetensors file (see {@link Safetensors}). */
    public static final String SAFETENSORS = "application/x-safetensors";
    /**
     * Content type of an ONNX model file (a serialized {@code onnx.ModelProto}): an imported job's model as uploaded,
     * in a round start's {@code model} reference (see docs/PROTOCOL.md).
     */
    public static final String ONNX = "application/onnx";
    /** Content type of opaque bytes. */
    public static final String OCTETS = "application/octet-stream";

    private Blobs() {
    }

    /** A fresh random blob id. */
    public static String newBlobId() {
        return UUID.randomUUID().toString();
    }

    /** SHA-256 of {@code bytes} as 64 lowercase hex digits. */
    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** Number of chunks a payload of {@code size} bytes needs. */
    public static int chunkCount(long size, int chunkSize) {
        if (chunkSize < 1) throw new IllegalArgumentException("chunk size must be >= 1, was " + chunkSize);
        long count = Math.max(1, (size + chunkSize - 1) / chunkSize);
        if (count > Integer.MAX_VALUE) throw new IllegalArgumentException("payload of " + size + " bytes needs too many chunks of " + chunkSize);
        return (int) count;
    }

    /**
     * Plans the chunks of {@code payload} (hashing it once); chunks are materialised one at a time by
     * {@link Chunked#chunk(int)} or the iterator. The payload is not copied: do not modify it while chunking.
     */
    public static Chunked chunk(String blobId, byte[] payload, String contentType, int chunkSize) {
        Objects.requireNonNull(payload, "payload");
        int count = chunkCount(payload.length, chunkSize);
        BlobRef ref = new BlobRef(blobId, sha256Hex(payload), payload.length, count, contentType);
        return new Chunked(ref, payload, chunkSize);
    }

    /** The chunks of one payload; see {@link Blobs#chunk}. */
    public static final class Chunked implements Iterable<BlobChunk> {
        private final BlobRef ref;
        private final byte[] payload;
        private final int chunkSize;

        private Chunked(BlobRef ref, byte[] payload, int chunkSize) {
            this.ref = ref;
            this.payload = payload;
            this.chunkSize = chunkSize;
        }

        /** The reference to hand out once every chunk is written. */
        public BlobRef ref() {
            return ref;
        }

        /** Number of chunks. */
        public int count() {
            return ref.chunkCount();
        }

        /** Chunk {@code i}: a read-only view of its slice of the payload (no copy). */
        public BlobChunk chunk(int i) {
            Objects.checkIndex(i, count());
            int from = (int) Math.min((long) i * chunkSize, payload.length);
            int to = (int) Math.min((long) from + chunkSize, payload.length);
            return new BlobChunk(ref.blobId(), i, count(), payload.length, ref.sha256(), ref.contentType(),
                    java.nio.ByteBuffer.wrap(payload, from, to - from));
        }

        @Override
        public Iterator<BlobChunk> iterator() {
            return new Iterator<>() {
                int next;

                @Override
                public boolean hasNext() {
                    return next < count();
                }

                @Override
                public BlobChunk next() {
                    if (!hasNext()) throw new NoSuchElementException();
                    return chunk(next++);
                }
            };
        }
    }
}
