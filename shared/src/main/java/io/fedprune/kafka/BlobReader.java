package io.fedprune.kafka;

import io.fedprune.wire.BlobAssembler;
import io.fedprune.wire.BlobChunk;
import io.fedprune.wire.BlobException;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Decoded;
import io.fedprune.wire.Envelope;
import io.fedprune.wire.MessageType;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.BlobChecksumException;
import io.fedprune.wire.WireCodec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Fetches blobs by reference. One background thread reads one whole blob topic ({@link Topic#BLOBS}, or
 * {@link Topic#UPLOADS} in the coordinator; every partition, from the beginning, without a consumer group), so a reader that starts late still finds every blob the topic retains.
 *
 * <p>Efficiency: the reader does not keep every blob it passes. It remembers where each blob starts (blob id to
 * partition and offset of chunk 0, a bounded index of a few dozen bytes per blob) and assembles only the blobs
 * somebody asked for; when a request names a blob that was already passed, it seeks back to that blob's first
 * chunk. So that a blob asked for just after it was written (an update after its blob, a round start after its
 * logits) needs neither a seek back nor a second read from the broker (a seek waits for the fetch in flight, up to the
 * consumer's {@code fetch.max.wait.ms}), the chunks of the blobs most recently passed are kept too, up to
 * {@link Config#recentBytes}, and a request for one of them is assembled from them. Completed blobs are verified (CRC-32C per chunk, size and SHA-256 of the whole) and kept in a cache
 * bounded in bytes and keyed by SHA-256, so the same content is never fetched twice. A missing, duplicate,
 * out-of-order or corrupt chunk fails the request with a {@link BlobException} naming the blob and the chunk
 * ({@link BlobChecksumException} for a CRC-32C or SHA-256 mismatch); no partial payload is ever returned. Share one
 * reader per process (e.g. among many simulated agents).
 *
 * <p>Safety against hostile or broken senders: a reference or first chunk declaring more than
 * {@link Config#maxBlobBytes} (or, for the chunk, more than the references waiting for it) fails before anything is
 * allocated; requests whose caller stopped waiting are forgotten; no record, not even one that makes the JVM run out
 * of memory, ends the reading thread, and {@link #alive()} says whether it still runs.
 *
 * <pre>{@code
 * try (BlobReader reader = BlobReader.start(clients, topics, Topic.BLOBS, BlobReader.Config.defaults())) {
 *     byte[] logits = reader.fetch(ref, Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class BlobReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BlobReader.class);

    /**
     * Reader settings.
     *
     * @param pollTimeout     how long one poll waits; default 100 ms
     * @param cacheBytes      bytes of completed blobs kept (least recently used evicted); default 256 MiB
     * @param maxIndexEntries blob start positions remembered; default 100,000
     * @param maxBlobBytes    largest blob assembled; default 2 GiB - 9
     * @param recentBytes     record bytes of the most recently passed blobs kept (a blob whose first chunk is older
     *                        is read again from the broker); default 64 MiB or an eighth of the heap, whichever is less
     */
    public record Config(Duration pollTimeout, long cacheBytes, int maxIndexEntries, long maxBlobBytes, long recentBytes) {
        public Config {
            Objects.requireNonNull(pollTimeout, "pollTimeout");
            if (cacheBytes < 0) throw new IllegalArgumentException("cacheBytes must be >= 0, was " + cacheBytes);
            if (maxIndexEntries < 1) throw new IllegalArgumentException("maxIndexEntries must be >= 1, was " + maxIndexEntries);
            if (maxBlobBytes < 0) throw new IllegalArgumentException("maxBlobBytes must be >= 0, was " + maxBlobBytes);
            if (recentBytes < 0) throw new IllegalArgumentException("recentBytes must be >= 0, was " + recentBytes);
        }

        /** The defaults listed above. */
        public static Config defaults() {
            return new Config(Duration.ofMillis(100), 256L << 20, 100_000, Integer.MAX_VALUE - 8L, Math.min(64L << 20, Runtime.getRuntime().maxMemory() / 8));
        }

    }

    private record Location(TopicPartition partition, long offset) {
    }

    private record Request(BlobRef ref, CompletableFuture<ByteBuffer> future) {
    }

    /** A requested blob: its waiters and, once its first chunk arrived, its assembly. */
    private static final class Pending {
        final List<Request> waiters = new ArrayList<>();
        BlobAssembler assembler;
        long lastOffset = -1;
        volatile String progress = "no chunk received yet";

        /** The largest size any waiter's reference declares (what the first chunk may declare at most). */
        long declaredLimit() {
            long max = 0;
            for (Request w : waiters) max = Math.max(max, w.ref().size());
            return max;
        }
    }

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final WireCodec codec;
    private final Config config;
    private final Cache cache;
    private final Queue<Request> requests = new ConcurrentLinkedQueue<>();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Map<String, Location> index;
    private final Recent recent;
    private final Thread thread;
    private volatile boolean closed;
    private volatile Throwable failure;
    private volatile long seeksBack;   // written by the reading thread only

    /**
     * A reader over {@code consumer} (which it owns and closes), reading {@code topic} from the beginning.
     *
     * @throws IllegalStateException if the topic does not exist (create it first with {@link Topics#ensureCreated})
     */
    public BlobReader(Consumer<byte[], byte[]> consumer, String topic, WireCodec codec, Config config) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.config = Objects.requireNonNull(config, "config");
        this.cache = new Cache(config.cacheBytes());
        this.recent = new Recent(config.recentBytes());
        this.index = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Location> eldest) {
                return size() > config.maxIndexEntries();
            }
        };
        try {
            KafkaClients.assignAll(consumer, topic, KafkaClients.Start.BEGINNING);
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
        thread = new Thread(this::run, "fedprune-blob-reader-" + topic);
        thread.setDaemon(true);
        thread.start();
    }

    /** A reader of {@code topics}' blob topic {@code topic} ({@link Topic#BLOBS} or {@link Topic#UPLOADS}) with its own consumer (no group). */
    public static BlobReader start(KafkaClients clients, Topics topics, Topic topic, Config config) {
        return new BlobReader(clients.consumer(null, "blob-reader"), topics.name(topic.requireBlobs()), WireCodec.standard(), config);
    }

    /** The full name of the topic this reader reads. */
    public String topic() {
        return topic;
    }

    /**
     * The payload of {@code ref}, verified against its SHA-256. Completes at once from the cache; otherwise when the
     * blob has been read; exceptionally with {@link BlobException} if a chunk is missing or corrupt. It does not
     * time out by itself (see {@link #fetch}). Each caller gets its own copy of the bytes.
     */
    public CompletableFuture<byte[]> get(BlobRef ref) {
        return view(ref).thenApply(BlobReader::copy);
    }

    /**
     * Like {@link #get}, but without copying: a read-only view of the verified payload, shared with the cache and
     * with other callers (the bulk path, e.g. for parsing the payload straight away).
     */
    public CompletableFuture<ByteBuffer> view(BlobRef ref) {
        Objects.requireNonNull(ref, "ref");
        byte[] hit = cache.get(ref.sha256());
        if (hit != null) return CompletableFuture.completedFuture(readOnly(hit));
        CompletableFuture<ByteBuffer> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new BlobException(ref.blobId(), "the blob reader is " + (failure == null ? "closed" : "stopped: " + failure)));
            return f;
        }
        if (ref.size() > config.maxBlobBytes()) {
            f.completeExceptionally(new BlobException(ref.blobId(), "declared size " + ref.size() + " bytes exceeds the limit of "
                    + config.maxBlobBytes()));
            return f;
        }
        requests.add(new Request(ref, f));
        consumer.wakeup();
        return f;
    }

    private static ByteBuffer readOnly(byte[] payload) {
        return ByteBuffer.wrap(payload).asReadOnlyBuffer();
    }

    private static byte[] copy(ByteBuffer view) {
        byte[] out = new byte[view.remaining()];
        view.duplicate().get(out);
        return out;
    }

    /**
     * {@link #get} with a time-out.
     *
     * @throws BlobException if the blob is corrupt or incomplete, or not complete within {@code timeout} (the message
     *                       says how many chunks had arrived)
     */
    public byte[] fetch(BlobRef ref, Duration timeout) {
        try {
            return get(ref, timeout).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof BlobException b ? b : new BlobException(ref.blobId(), "fetch failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BlobException(ref.blobId(), "interrupted while fetching", e);
        }
    }

    /**
     * {@link #get} that fails with a {@link BlobException} (saying how many chunks had arrived) when the blob is not
     * complete within {@code timeout}; never blocks the caller. The reader then forgets the request.
     */
    public CompletableFuture<byte[]> get(BlobRef ref, Duration timeout) {
        return view(ref, timeout).thenApply(BlobReader::copy);
    }

    /** {@link #view} with the time-out of {@link #get(BlobRef, Duration)}: a shared read-only view, not a copy. */
    public CompletableFuture<ByteBuffer> view(BlobRef ref, Duration timeout) {
        // the time-out completes the request's own future, so the reader sees it is done and forgets it
        CompletableFuture<ByteBuffer> f = view(ref).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return f.exceptionallyCompose(e -> {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (!(cause instanceof TimeoutException)) return CompletableFuture.failedFuture(cause);
            Pending p = pending.get(ref.blobId());
            return CompletableFuture.failedFuture(new BlobException(ref.blobId(), "not complete after " + timeout + ": "
                    + (p == null ? "unknown" : p.progress) + " (expected " + ref.chunkCount() + " chunks, " + ref.size() + " bytes)"));
        });
    }

    /** Whether the reading thread runs (false after {@link #close()} or if it died). */
    public boolean alive() {
        return !closed && thread.isAlive();
    }

    /** Whether a blob with this SHA-256 is in the cache. */
    public boolean cached(String sha256) {
        return cache.get(sha256) != null;
    }

    private void run() {
        try {
            while (!closed) {
                try {
                    drainRequests();
                } catch (WakeupException e) {
                    continue;
                }
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(config.pollTimeout());
                } catch (WakeupException | InterruptException e) {
                    continue;
                } catch (KafkaException e) {
                    LOG.warn("blob reader: poll failed, retrying: {}", e.toString());
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    try {
                        onRecord(r);
                    } catch (WakeupException e) {
                        throw e;
                    } catch (Throwable e) {   // OutOfMemoryError included: the blob fails, the reader goes on
                        LOG.error("blob reader: failed on {}@{}:{}, going on", r.topic(), r.partition(), r.offset(), e);
                        abandon(r, e);
                    }
                }
            }
        } catch (Throwable e) {
            failure = e;
            LOG.error("blob reader stopped", e);
        } finally {
            closed = true;
            for (Pending p : pending.values()) fail(p, "the blob reader stopped");
            pending.clear();
            Request r;
            while ((r = requests.poll()) != null) r.future().completeExceptionally(new BlobException(r.ref().blobId(), "the blob reader stopped"));
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("blob reader: closing the consumer failed: {}", e.toString());
            }
        }
    }

    /** Fails the blob a record belonged to after the reader could not handle it, and frees its assembly. */
    private void abandon(ConsumerRecord<byte[], byte[]> r, Throwable e) {
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        Pending p = key == null ? null : pending.remove(key);
        if (p != null) fail(p, new BlobException(key, "the reader failed on chunk record " + r.offset() + ": " + e));
    }

    private void drainRequests() {
        // forget the requests whose caller stopped waiting (time-out), and blobs nobody waits for any more
        pending.values().removeIf(p -> {
            p.waiters.removeIf(w -> w.future().isDone());
            return p.waiters.isEmpty();
        });
        Request r;
        while ((r = requests.poll()) != null) {
            byte[] hit = cache.get(r.ref().sha256());
            if (hit != null) {
                r.future().complete(readOnly(hit));
                continue;
            }
            String id = r.ref().blobId();
            boolean fresh = !pending.containsKey(id);
            Pending p = pending.computeIfAbsent(id, k -> new Pending());
            p.waiters.add(r);
            if (!fresh) continue;
            List<Passed> passed = recent.take(id);
            Location start = index.get(id);
            if (passed != null) {
                replay(id, p, passed);   // passed a moment ago: assembled from the chunks kept
            } else if (start != null && start.offset() < position(start.partition())) {
                consumer.seek(start.partition(), start.offset());   // already passed: read it again from its first chunk
                seeksBack++;
            }
        }
    }

    /** Feeds a requested blob the chunks kept since its first one (the rest, if any, is still to come). */
    private void replay(String id, Pending p, List<Passed> passed) {
        Passed at = null;
        try {
            for (Passed c : passed) {
                if (pending.get(id) != p) return;   // completed or failed
                at = c;
                accept(p, c.offset(), c.chunk());
            }
        } catch (Throwable e) {   // OutOfMemoryError included: the blob fails, the reader goes on
            LOG.error("blob reader: failed on kept chunk {}@{}, going on", at == null ? null : at.partition(), at == null ? -1 : at.offset(), e);
            pending.remove(id);
            fail(p, new BlobException(id, "the reader failed on chunk record " + (at == null ? -1 : at.offset()) + ": " + e));
        }
    }

    /** The consumer's position, retried when a concurrent {@link #get} wakes the consumer up. */
    private long position(TopicPartition tp) {
        while (true) {
            try {
                return consumer.position(tp);
            } catch (WakeupException e) {
                if (closed) throw e;
            }
        }
    }

    private void onRecord(ConsumerRecord<byte[], byte[]> r) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        Decoded<Envelope> d = codec.decode(r.value(), EnumSet.of(MessageType.BLOB_CHUNK));
        if (!d.isOk()) {
            String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
            Pending p = key == null ? null : pending.get(key);
            LOG.warn("blob reader: record {}@{} (key {}) rejected: {}", tp, r.offset(), key, d.rejection());
            if (key != null) recent.forget(key);   // a request for it reads it again and fails as it should
            if (p != null && r.offset() > p.lastOffset) {
                pending.remove(key);
                String why = "chunk record at " + tp + " offset " + r.offset() + " rejected: " + d.rejection();
                fail(p, d.rejection().reason() == RejectReason.CHECKSUM_MISMATCH ? new BlobChecksumException(key, why) : new BlobException(key, why));
            }
            return;
        }
        BlobChunk c = (BlobChunk) d.value().body();
        if (c.index() == 0) index.put(c.blobId(), new Location(tp, r.offset()));
        Pending p = pending.get(c.blobId());
        if (p == null) {
            recent.keep(new Passed(tp, r.offset(), c, r.value().length));   // not wanted (yet)
            return;
        }
        accept(p, r.offset(), c);
    }

    /** Adds a chunk to a requested blob's assembly; completes the blob's waiters when it was the last one. */
    private void accept(Pending p, long offset, BlobChunk c) {
        if (offset <= p.lastOffset) return;   // seen before a seek back
        p.lastOffset = offset;
        try {
            // (re)start; the declared size may not exceed what the waiting references declare (checked before allocating)
            if (p.assembler == null || c.index() == 0) p.assembler = new BlobAssembler(c.blobId(), Math.min(config.maxBlobBytes(), p.declaredLimit()));
            boolean done = p.assembler.accept(c);
            p.progress = p.assembler.received() + " of " + p.assembler.expected() + " chunks received";
            if (!done) return;
            pending.remove(c.blobId());
            byte[] payload = p.assembler.payload();
            String sha = p.assembler.ref().sha256();
            cache.put(sha, payload);
            for (Request w : p.waiters) {
                if (w.ref().sha256().equals(sha) && w.ref().size() == payload.length) {
                    w.future().complete(readOnly(payload));
                } else {
                    w.future().completeExceptionally(new BlobChecksumException(c.blobId(), "the topic holds content with SHA-256 " + sha + " ("
                            + payload.length + " bytes), the reference names " + w.ref().sha256() + " (" + w.ref().size() + " bytes)"));
                }
            }
        } catch (BlobException e) {
            pending.remove(c.blobId());
            fail(p, e);
        }
    }

    private static void fail(Pending p, String message) {
        for (Request w : p.waiters) w.future().completeExceptionally(new BlobException(w.ref().blobId(), message));
    }

    private static void fail(Pending p, BlobException e) {
        for (Request w : p.waiters) w.future().completeExceptionally(e);
    }

    /** Stops the reading thread (waiting up to 10 s); pending requests fail. */
    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A chunk passed while nobody waited for its blob (its data a view on the record), and where it was. */
    private record Passed(TopicPartition partition, long offset, BlobChunk chunk, long bytes) {
    }

    /**
     * The chunks of the blobs most recently passed, each blob's from its first chunk on and without a gap, the oldest
     * blob dropped first beyond a byte budget; anything unusual (a chunk out of order, a rejected record) drops the blob,
     * so that a request for it reads it again from the broker. Used by the reading thread only.
     */
    private static final class Recent {
        private final long maxBytes;
        private final LinkedHashMap<String, List<Passed>> blobs = new LinkedHashMap<>();
        private long bytes;

        Recent(long maxBytes) {
            this.maxBytes = maxBytes;
        }

        void keep(Passed c) {
            String id = c.chunk().blobId();
            List<Passed> chunks = c.chunk().index() == 0 ? null : blobs.get(id);
            boolean next = chunks != null && chunks.get(chunks.size() - 1).chunk().index() + 1 == c.chunk().index()
                    && chunks.get(chunks.size() - 1).offset() < c.offset();
            if (!next) {
                forget(id);
                if (c.chunk().index() != 0 || c.bytes() > maxBytes) return;
                chunks = new ArrayList<>();
                blobs.put(id, chunks);
            }
            chunks.add(c);
            bytes += c.bytes();
            var it = blobs.values().iterator();
            while (bytes > maxBytes && it.hasNext()) {
                for (Passed old : it.next()) bytes -= old.bytes();
                it.remove();
            }
        }

        /** The blob's chunks, no longer kept; null if not kept. */
        List<Passed> take(String id) {
            List<Passed> chunks = blobs.remove(id);
            if (chunks != null) for (Passed c : chunks) bytes -= c.bytes();
            return chunks;
        }

        void forget(String id) {
            take(id);
        }
    }

    /** Completed blobs by SHA-256, least recently used evicted beyond a byte budget. */
    private static final class Cache {
        private final long maxBytes;
        private final LinkedHashMap<String, byte[]> map = new LinkedHashMap<>(16, 0.75f, true);
        private long bytes;

        Cache(long maxBytes) {
            this.maxBytes = maxBytes;
        }

        synchronized byte[] get(String sha) {
            return map.get(sha);
        }

        synchronized void put(String sha, byte[] payload) {
            if (payload.length > maxBytes || map.containsKey(sha)) return;
            map.put(sha, payload);
            bytes += payload.length;
            var it = map.entrySet().iterator();
            while (bytes > maxBytes && it.hasNext()) {
                bytes -= it.next().getValue().length;
                it.remove();
            }
        }
    }

    /** Keys of the blobs being assembled or waited for (for diagnostics). */
    public Set<String> pendingBlobIds() {
        return Set.copyOf(pending.keySet());
    }

    /** How far the assembly of a requested blob got (for diagnostics and tests); empty if not pending. */
    String progress(String blobId) {
        Pending p = pending.get(blobId);
        return p == null ? "" : p.progress;
    }

    /** How often the reader went back to read a blob again (one passed and no longer kept). */
    long seeksBack() {
        return seeksBack;
    }

    /** Number of blob start positions remembered. */
    int indexSize() {
        return index.size();
    }
}
