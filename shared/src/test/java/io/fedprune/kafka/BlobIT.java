package io.fedprune.kafka;

import io.fedprune.model.Tensor;
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

/** Blobs through a real broker with Kafka's default record limit (message.max.bytes about 1 MB). */
class BlobIT {
    static EmbeddedBroker broker;
    static KafkaClients clients;
    static Topics topics;
    static Publisher publisher;
    static BlobWriter writer;
    static final WireCodec codec = WireCodec.standard();

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedBroker.start(EmbeddedBroker.Config.defaults());
        assertEquals(1048588, EmbeddedBroker.Config.defaults().messageMaxBytes());
        clients = KafkaClients.of(broker.bootstrapServers());
        topics = KafkaTestSupport.freshTopics(clients);
        publisher = KafkaTestSupport.publisher(clients, topics);
        writer = new BlobWriter(publisher, "it");
    }

    @AfterAll
    static void stop() throws Exception {
        publisher.close();
        broker.close();
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static BlobReader reader() {
        return BlobReader.start(clients, topics, BlobReader.Config.defaults());
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
            byte[] got = reader.fetch(ref, Duration.ofSeconds(60));
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
        try (BlobReader reader = reader()) {
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
            reader.fetch(refC, Duration.ofSeconds(30));                  // the reader is now past B without having kept it
            assertFalse(reader.cached(refB.sha256()));
            assertArrayEquals(b, reader.fetch(refB, Duration.ofSeconds(30)));
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
            BlobException e = assertThrows(BlobException.class, () -> reader.fetch(chunks.get(0).ref(), Duration.ofSeconds(30)));
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
            BlobException e = assertThrows(BlobException.class, () -> reader.fetch(chunks.get(0).ref(), Duration.ofSeconds(30)));
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
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> reader.progress(ref.blobId()).startsWith("2 of 4"));
            BlobException e = assertThrows(BlobException.class, () -> reader.fetch(ref, Duration.ofMillis(500)));
            assertTrue(e.getMessage().contains("2 of 4 chunks received"), e.getMessage());
        }
    }
}
