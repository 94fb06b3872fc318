package io.fedprune.kafka;

import io.fedprune.Patience;
import org.junit.jupiter.api.extension.ExtendWith;
import io.fedprune.model.Tensor;
import io.fedprune.wire.BlobChecksumException;
import io.fedprune.wire.BlobChunk;
import io.fedprune.wire.BlobException;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.EncodedTensor;
import io.fedprune.wire.Envelope;
import io.fedprune.wire.TensorCodec;
import io.fedprune.wire.TensorEncoding;
import io.fedprune.wire.WireCodec;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.*;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import java.util.concurrent.TimeUnit;

/** Blobs through a real broker with Kafka's default record limit (message.max.bytes about 1 MB). */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
@ExtendWith(SharedBroker.class)
class BlobIT {
    static EmbeddedBroker broker;
    static KafkaClients clients;
    static Topics topics;
    static Publisher publisher;
    static BlobWriter writer;
    static final WireCodec codec = WireCodec.standard();

    @BeforeAll
    static void start(EmbeddedBroker shared) throws Exception {
        broker = shared;   // the JVM's shared broker (SharedBroker): this class keeps to its own topics
        assertEquals(1048588, EmbeddedBroker.Config.defaults().messageMaxBytes());
        clients = KafkaClients.of(broker.bootstrapServers());
        topics = KafkaTestSupport.freshTopics(clients);
        publisher = KafkaTestSupport.publisher(clients, topics);
        writer = new BlobWriter(publisher, Topic.BLOBS, "it");
    }

    @AfterAll
    static void stop() throws Exception {
        publisher.close();
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static BlobReader reader() {
        return BlobReader.start(clients, topics, Topic.BLOBS, BlobReader.Config.defaults());
    }

    @Test
    void moves40MegabyteTensorBitIdenticalToALateReader() {
        Random r = new Random(40);
        float[] values = new float[10_000_000];                       // 40,000,000 bytes of float32
        for (int i = 0; i < values.length; i++) values[i] = (float) r.nextGaussian();
        values[123] = -0.0f;
        values[456] = Float.MIN_VALUE;
        Tensor tensor = new Tensor("fc1.logits", new int[]{10_000, 1_000}, values);
        byte[] payload = codec.encodeTensors(List.of(TensorCodec.encode(tensor, TensorEncoding.FLOAT32)));
        assertTrue(payload.length > 40_000_000);

        BlobRef ref = writer.write(payload, Blobs.TENSORS);
        assertEquals(Blobs.chunkCount(payload.length, Blobs.DEFAULT_CHUNK_SIZE), ref.chunkCount());
        assertEquals(77, ref.chunkCount());

        try (BlobReader reader = reader()) {                          // started after the write: reads from the beginning
            byte[] got = reader.fetch(ref, Patience.STEP);
            assertArrayEquals(payload, got);
            List<EncodedTensor> decoded = codec.decodeTensors(got).value();
            Tensor back = TensorCodec.decode(decoded.get(0));
            assertEquals(tensor, back);
            for (int i = 0; i < values.length; i++) {
                if (Float.floatToRawIntBits(values[i]) != Float.floatToRawIntBits(back.get(i))) fail("element " + i + " differs");
            }
            // cached by hash: the same content under another id is served without reading
            BlobRef sameContent = new BlobRef("another-id", ref.sha256(), ref.size(), ref.chunkCount(), ref.contentType());
            CompletableFuture<byte[]> f = reader.get(sameContent);
            assertTrue(f.isDone());
            assertArrayEquals(payload, f.join());
            // get() hands out copies, view() a read-only view: nobody can change the cached payload
            f.join()[0] ^= 1;
            assertArrayEquals(payload, reader.get(ref).join());
            java.nio.ByteBuffer view = reader.view(ref).join();
            assertTrue(view.isReadOnly());
            assertEquals(payload.length, view.remaining());
        }
    }

    @Test
    void waitsForABlobNotYetWrittenAndSeeksBackForOnePassed() throws Exception {
        BlobReader.Config keepNothing = new BlobReader.Config(Duration.ofMillis(100), 256L << 20, 1000, Integer.MAX_VALUE - 8L, 0);
        try (BlobReader reader = BlobReader.start(clients, topics, Topic.BLOBS, keepNothing)) {
            byte[] a = random(1_500_000, 1);
            byte[] b = random(700_000, 2);
            BlobRef refA = Blobs.chunk("blob-a-" + System.nanoTime(), a, Blobs.OCTETS, Blobs.DEFAULT_CHUNK_SIZE).ref();
            CompletableFuture<byte[]> early = reader.get(refA);          // asked before it exists
            assertFalse(early.isDone());
            assertEquals(refA, writer.write(refA.blobId(), a, Blobs.OCTETS));
            assertArrayEquals(a, early.get());

            BlobRef refB = writer.write(b, Blobs.OCTETS);
            BlobRef refC = writer.write(random(10, 3), Blobs.OCTETS);
            assertEquals(1, refC.chunkCount());
            reader.fetch(refC, Patience.STEP);                  // the reader is now past B without having kept it
            assertFalse(reader.cached(refB.sha256()));
            long seeks = reader.seeksBack();
            assertArrayEquals(b, reader.fetch(refB, Patience.STEP));
            assertEquals(seeks + 1, reader.seeksBack(), "nothing kept: B read again");
        }
    }

    /**
     * A blob asked for just after it passed (an update after its blob, a round start after its logits) is assembled
     * from the chunks the reader kept, without reading it again; one that no longer fits in the kept bytes, or that
     * had a rejected chunk, is read again and fails or succeeds exactly as it would have.
     */
    @Test
    void aBlobPassedAMomentAgoIsAssembledFromKeptChunks() {
        // room for the records of one 1 MB blob (2 chunks of 512 KiB plus headers), not two
        BlobReader.Config keepOne = new BlobReader.Config(Duration.ofMillis(100), 256L << 20, 1000, Integer.MAX_VALUE - 8L, 1_600_000);
        byte[] a = random(1_000_000, 21), b = random(1_000_000, 22);
        List<BlobChunk> crc = chunksOf("crc-kept-" + System.nanoTime(), random(2_000_000, 23));
        try (BlobReader reader = BlobReader.start(clients, topics, Topic.BLOBS, keepOne)) {
            BlobRef refA = writer.write(a, Blobs.OCTETS), refB = writer.write(b, Blobs.OCTETS);
            reader.fetch(writer.write(random(10, 24), Blobs.OCTETS), Patience.STEP);   // the reader is now past A and B
            long seeks = reader.seeksBack();
            assertArrayEquals(b, reader.fetch(refB, Patience.STEP));
            assertEquals(seeks, reader.seeksBack(), "B, the last passed, was kept");
            assertArrayEquals(a, reader.fetch(refA, Patience.STEP));
            assertEquals(seeks + 1, reader.seeksBack(), "A was dropped to keep B: read again");

            for (BlobChunk c : crc) {   // a flipped bit in chunk 1's data on the wire: the record is rejected
                byte[] value = codec.encode(Envelope.of("it", c));
                if (c.index() == 1) value[value.length - 100] ^= 0x01;
                publisher.send(new ProducerRecord<>(topics.name(Topic.BLOBS), c.blobId().getBytes(StandardCharsets.UTF_8), value)).join();
            }
            reader.fetch(writer.write(random(10, 25), Blobs.OCTETS), Patience.STEP);   // past it
            BlobException e = assertThrows(BlobChecksumException.class, () -> reader.fetch(crc.get(0).ref(), Patience.STEP));
            assertTrue(e.getMessage().contains("CHECKSUM_MISMATCH") && e.getMessage().contains("chunk 1 of 4"), e.getMessage());
            assertEquals(seeks + 2, reader.seeksBack(), "not kept: read again");
        }
    }

    /** Publishes chunks as they are (some possibly doctored) under {@code ref}'s id. */
    static void publishChunks(List<BlobChunk> chunks) {
        for (BlobChunk c : chunks) publisher.publish(Topic.BLOBS, c.blobId(), Envelope.of("it", c)).join();
    }

    static List<BlobChunk> chunksOf(String id, byte[] payload) {
        Blobs.Chunked chunked = Blobs.chunk(id, payload, Blobs.OCTETS, Blobs.DEFAULT_CHUNK_SIZE);
        List<BlobChunk> list = new java.util.ArrayList<>();
        chunked.forEach(list::add);
        return list;
    }

    @Test
    void corruptedChunkDataIsDetectedByTheWholeHash() {
        byte[] payload = random(3_000_000, 4);
        List<BlobChunk> chunks = new java.util.ArrayList<>(chunksOf("corrupt-" + System.nanoTime(), payload));
        BlobChunk good = chunks.get(2);
        byte[] bad = good.toByteArray();
        bad[1000] ^= 0x10;                                                // a flipped bit, consistent chunk CRC
        chunks.set(2, new BlobChunk(good.blobId(), 2, good.count(), good.totalSize(), good.sha256(), good.contentType(), bad));
        publishChunks(chunks);
        try (BlobReader reader = reader()) {
            BlobException e = assertThrows(BlobChecksumException.class, () -> reader.fetch(chunks.get(0).ref(), Patience.STEP));
            assertTrue(e.getMessage().contains("SHA-256 of the reassembled 3000000 bytes") && e.getMessage().contains("corrupt chunk"), e.getMessage());
        }
    }

    @Test
    void corruptedChunkRecordIsNamedByItsIndex() {
        byte[] payload = random(2_000_000, 5);
        List<BlobChunk> chunks = chunksOf("crc-" + System.nanoTime(), payload);
        String id = chunks.get(0).blobId();
        for (BlobChunk c : chunks) {
            byte[] value = codec.encode(Envelope.of("it", c));
            if (c.index() == 1) value[value.length - 100] ^= 0x01;      // a flipped bit inside the chunk data on the wire
            publisher.send(new ProducerRecord<>(topics.name(Topic.BLOBS), id.getBytes(StandardCharsets.UTF_8), value)).join();
        }
        try (BlobReader reader = reader()) {
            BlobException e = assertThrows(BlobChecksumException.class, () -> reader.fetch(chunks.get(0).ref(), Patience.STEP));
            assertTrue(e.getMessage().contains("CHECKSUM_MISMATCH") && e.getMessage().contains("chunk 1 of 4"), e.getMessage());
        }
    }

    @Test
    void missingChunkIsAClearErrorNotAPartialPayload() throws Exception {
        byte[] payload = random(2_000_000, 6);
        List<BlobChunk> chunks = new java.util.ArrayList<>(chunksOf("missing-" + System.nanoTime(), payload));
        BlobRef ref = chunks.get(0).ref();
        chunks.remove(2);
        publishChunks(chunks);
        try (BlobReader reader = reader()) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> reader.get(ref).get());
            assertInstanceOf(BlobException.class, e.getCause());
            assertEquals("blob " + ref.blobId() + ": chunk 3 arrived where chunk 2 was expected (chunk 2 missing or out of order)", e.getCause().getMessage());
        }
    }

    @Test
    void truncatedBlobTimesOutWithProgress() {
        byte[] payload = random(2_000_000, 7);
        List<BlobChunk> chunks = chunksOf("cut-" + System.nanoTime(), payload);
        publishChunks(chunks.subList(0, 2));
        try (BlobReader reader = reader()) {
            BlobRef ref = chunks.get(0).ref();
            reader.get(ref);
            Patience.await().until(() -> reader.progress(ref.blobId()).startsWith("2 of 4"));
            BlobException e = assertThrows(BlobException.class, () -> reader.fetch(ref, Duration.ofMillis(500)));
            assertTrue(e.getMessage().contains("2 of 4 chunks received"), e.getMessage());
        }
    }

    /** A 16-byte chunk declaring {@code declared} bytes, with the SHA-256 of those 16 bytes. */
    static BlobChunk liar(String id, long declared) {
        byte[] data = random(16, 8);
        return new BlobChunk(id, 0, 1, declared, Blobs.sha256Hex(data), Blobs.OCTETS, data);
    }

    @Test
    void oversizedDeclarationsFailBeforeAnythingIsAllocated() throws Exception {
        long limit = 1 << 20;
        try (BlobReader reader = BlobReader.start(clients, topics, Topic.BLOBS, new BlobReader.Config(Duration.ofMillis(100), 1 << 20, 1000, limit, BlobReader.Config.defaults().recentBytes()))) {
            // a reference declaring more than the limit fails at once, without reading anything
            BlobRef huge = new BlobRef("huge-" + System.nanoTime(), "00".repeat(32), Integer.MAX_VALUE - 8L, 1, Blobs.OCTETS);
            CompletableFuture<byte[]> f = reader.get(huge);
            assertTrue(f.isCompletedExceptionally(), "failed without waiting");
            ExecutionException e = assertThrows(ExecutionException.class, f::get);
            assertTrue(e.getCause().getMessage().contains("declared size 2147483639 bytes exceeds the limit of 1048576"), e.getCause().getMessage());

            // a small reference whose first chunk declares 2 GiB: refused against the reference's size, not allocated
            BlobChunk lie = liar("liar-" + System.nanoTime(), Integer.MAX_VALUE - 8L);
            BlobRef small = new BlobRef(lie.blobId(), lie.sha256(), 16, 1, Blobs.OCTETS);
            CompletableFuture<byte[]> g = reader.get(small);
            publishChunks(List.of(lie));
            e = assertThrows(ExecutionException.class, () -> g.get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("size 2147483639 bytes exceeds the limit of 16"), e.getCause().getMessage());
            assertTrue(reader.alive());
            byte[] ok = random(1000, 9);
            assertArrayEquals(ok, reader.fetch(writer.write(ok, Blobs.OCTETS), Patience.STEP), "the reader goes on");
        }
    }

    @Test
    void timedOutRequestsAreForgottenAndDoNotBlockOthers() throws Exception {
        try (BlobReader reader = reader()) {
            List<CompletableFuture<byte[]>> never = new java.util.ArrayList<>();
            for (int i = 0; i < 50; i++) {
                BlobRef ghost = new BlobRef("ghost-" + i + "-" + System.nanoTime(), "00".repeat(32), 100, 1, Blobs.OCTETS);
                never.add(reader.get(ghost, Duration.ofMillis(300)));
            }
            byte[] ok = random(2000, 10);
            assertArrayEquals(ok, reader.fetch(writer.write(ok, Blobs.OCTETS), Patience.STEP), "served while 50 requests wait");
            for (CompletableFuture<byte[]> f : never) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, java.util.concurrent.TimeUnit.SECONDS));
                assertTrue(e.getCause().getMessage().contains("not complete after PT0.3S"), e.getCause().getMessage());
            }
            Patience.await().until(() -> reader.pendingBlobIds().isEmpty());
        }
    }

    /**
     * The reader thread survives an OutOfMemoryError while assembling a blob (a child JVM with a 96 MiB heap asked
     * for a 1 GiB blob and a reader allowed to assemble it), and still serves the next blob.
     */
    @Test
    void outOfMemoryDoesNotEndTheReaderThread() throws Exception {
        BlobChunk lie = liar("oom-" + System.nanoTime(), 1L << 30);
        publishChunks(List.of(lie));
        byte[] ok = random(1000, 11);
        BlobRef okRef = writer.write(ok, Blobs.OCTETS);
        List<String> cmd = List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx96m",
                "-cp", System.getProperty("java.class.path"), OomChild.class.getName(), broker.bootstrapServers(), topics.prefix(),
                lie.blobId(), lie.sha256(), okRef.blobId(), okRef.sha256());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, java.util.concurrent.TimeUnit.MINUTES));
        assertTrue(out.contains("oversized: blob " + lie.blobId() + ": the reader failed on chunk record"), out);
        assertTrue(out.contains("OutOfMemoryError"), out);
        assertTrue(out.contains("alive: true"), out);
        assertTrue(out.contains("next blob: 1000 bytes"), out);
    }

    /** The child side of {@link #outOfMemoryDoesNotEndTheReaderThread}. */
    public static final class OomChild {
        public static void main(String[] a) {
            KafkaClients c = KafkaClients.of(a[0]);
            Topics t = Topics.defaults().withPrefix(a[1]);
            try (BlobReader reader = BlobReader.start(c, t, Topic.BLOBS, new BlobReader.Config(Duration.ofMillis(100), 0, 1000, 1L << 30, BlobReader.Config.defaults().recentBytes()))) {
                try {
                    reader.fetch(new BlobRef(a[2], a[3], 1L << 30, 1, Blobs.OCTETS), Patience.STEP);
                    System.out.println("oversized: assembled?");
                } catch (BlobException e) {
                    System.out.println("oversized: " + e.getMessage());
                }
                System.out.println("alive: " + reader.alive());
                System.out.println("next blob: " + reader.fetch(new BlobRef(a[4], a[5], 1000, 1, Blobs.OCTETS), Patience.STEP).length + " bytes");
            }
        }
    }
}
