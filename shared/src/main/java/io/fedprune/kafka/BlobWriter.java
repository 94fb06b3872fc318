package io.fedprune.kafka;

import io.fedprune.wire.BlobChunk;
import io.fedprune.wire.BlobException;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.Envelope;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Publishes payloads as blobs: numbered chunks of at most {@code chunkSize} bytes (default
 * {@link Blobs#DEFAULT_CHUNK_SIZE}) on one blob topic ({@link Topic#BLOBS} for the coordinator's blobs,
 * {@link Topic#UPLOADS} for devices' updates), all keyed by the blob id (so on one partition, in order,
 * kept in order by the idempotent producer), each carrying the SHA-256 of the whole. A payload up to one chunk is a
 * single chunk. {@link #write} returns the {@link BlobRef} only after the broker acknowledged every chunk, so a
 * reference is never handed out for a blob that is not all there.
 */
public final class BlobWriter {
    private final Publisher publisher;
    private final Topic topic;
    private final String sender;
    private final int chunkSize;

    /** A writer to {@code topic} with the default chunk size. */
    public BlobWriter(Publisher publisher, Topic topic, String sender) {
        this(publisher, topic, sender, Blobs.DEFAULT_CHUNK_SIZE);
    }

    /**
     * A writer.
     *
     * @param topic     the blob topic written to: {@link Topic#BLOBS} or {@link Topic#UPLOADS}
     * @param chunkSize bytes per chunk; keep it well below the broker's {@code message.max.bytes} (1 MB by default)
     */
    public BlobWriter(Publisher publisher, Topic topic, String sender, int chunkSize) {
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.topic = topic.requireBlobs();
        this.sender = Objects.requireNonNull(sender, "sender");
        if (chunkSize < 1) throw new IllegalArgumentException("chunkSize must be >= 1, was " + chunkSize);
        this.chunkSize = chunkSize;
    }

    /** Writes {@code payload} under a new random blob id; blocks until every chunk is acknowledged. */
    public BlobRef write(byte[] payload, String contentType) {
        return write(Blobs.newBlobId(), payload, contentType);
    }

    /**
     * Writes {@code payload} as blob {@code blobId}; blocks until every chunk is acknowledged. The payload must not
     * change during the call.
     *
     * @throws BlobException if a chunk could not be published (the reference must then not be used)
     */
    public BlobRef write(String blobId, byte[] payload, String contentType) {
        try {
            return writeAsync(blobId, payload, contentType).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof BlobException b ? b : new BlobException(blobId, "write failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BlobException(blobId, "interrupted while writing", e);
        }
    }

    /** Like {@link #write(String, byte[], String)}, completing when every chunk is acknowledged. */
    public CompletableFuture<BlobRef> writeAsync(String blobId, byte[] payload, String contentType) {
        Blobs.Chunked chunks = Blobs.chunk(blobId, payload, contentType, chunkSize);
        List<CompletableFuture<?>> acks = new ArrayList<>(chunks.count());
        for (BlobChunk c : chunks) {
            int index = c.index();
            acks.add(publisher.publish(topic, blobId, Envelope.of(sender, c)).handle((meta, error) -> {
                if (error != null) {
                    throw new BlobException(blobId, "publishing chunk " + index + " of " + chunks.count() + " failed: " + error, error);
                }
                return meta;
            }));
        }
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).thenApply(v -> chunks.ref());
    }

    /** The chunk size in bytes. */
    public int chunkSize() {
        return chunkSize;
    }
}
