package io.fedprune.wire;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.*;

class BlobAssemblerTest {

    static byte[] payload(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static List<BlobChunk> chunks(byte[] payload, int chunkSize) {
        return StreamSupport.stream(Blobs.chunk("b1", payload, Blobs.OCTETS, chunkSize).spliterator(), false).toList();
    }

    static byte[] assemble(List<BlobChunk> chunks) {
        BlobAssembler a = new BlobAssembler("b1", Long.MAX_VALUE);
        for (int i = 0; i < chunks.size(); i++) assertEquals(i == chunks.size() - 1, a.accept(chunks.get(i)));
        return a.payload();
    }

    @Test
    void splitsIntoNumberedChunksWithTheWholeHash() {
        byte[] p = payload(2500, 1);
        List<BlobChunk> c = chunks(p, 1000);
        assertEquals(3, c.size());
        assertEquals(List.of(1000, 1000, 500), c.stream().map(BlobChunk::size).toList());
        for (BlobChunk x : c) {
            assertEquals(3, x.count());
            assertEquals(2500, x.totalSize());
            assertEquals(Blobs.sha256Hex(p), x.sha256());
        }
        assertEquals(new BlobRef("b1", Blobs.sha256Hex(p), 2500, 3, Blobs.OCTETS), Blobs.chunk("b1", p, Blobs.OCTETS, 1000).ref());
        // exact multiple and empty payload
        assertEquals(2, chunks(payload(2000, 2), 1000).size());
        assertEquals(1, chunks(new byte[0], 1000).size());
        // SHA-256 of "abc" (FIPS 180-2 test vector)
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Blobs.sha256Hex("abc".getBytes()));
    }

    @Test
    void reassemblesBitIdentical() {
        for (int n : new int[]{0, 1, 999, 1000, 1001, 12345}) {
            byte[] p = payload(n, n);
            assertArrayEquals(p, assemble(chunks(p, 1000)), "size " + n);
        }
    }

    @Test
    void missingChunkIsNamed() {
        List<BlobChunk> c = chunks(payload(5000, 3), 1000);
        BlobAssembler a = new BlobAssembler("b1", Long.MAX_VALUE);
        a.accept(c.get(0));
        a.accept(c.get(1));
        BlobException e = assertThrows(BlobException.class, () -> a.accept(c.get(3)));
        assertEquals("blob b1: chunk 3 arrived where chunk 2 was expected (chunk 2 missing or out of order)", e.getMessage());
        assertThrows(IllegalStateException.class, a::payload, "never a partial payload");

        BlobAssembler late = new BlobAssembler("b1", Long.MAX_VALUE);
        assertTrue(assertThrows(BlobException.class, () -> late.accept(c.get(2))).getMessage().contains("chunks 0..1 are missing"));
    }

    @Test
    void duplicateOrOutOfOrderChunkIsNamed() {
        List<BlobChunk> c = chunks(payload(5000, 4), 1000);
        BlobAssembler a = new BlobAssembler("b1", Long.MAX_VALUE);
        a.accept(c.get(0));
        a.accept(c.get(1));
        assertTrue(assertThrows(BlobException.class, () -> a.accept(c.get(1))).getMessage().contains("chunk 1 arrived again after chunk 1"));
    }

    @Test
    void corruptChunkFailsTheHash() {
        byte[] p = payload(3000, 5);
        List<BlobChunk> c = chunks(p, 1000);
        byte[] bad = c.get(1).toByteArray();
        bad[17] ^= 1;
        BlobChunk corrupt = new BlobChunk("b1", 1, 3, 3000, c.get(1).sha256(), Blobs.OCTETS, bad);
        BlobAssembler a = new BlobAssembler("b1", Long.MAX_VALUE);
        a.accept(c.get(0));
        a.accept(corrupt);
        BlobException e = assertThrows(BlobException.class, () -> a.accept(c.get(2)));
        assertTrue(e.getMessage().contains("SHA-256 of the reassembled 3000 bytes is") && e.getMessage().contains("(corrupt chunk)"), e.getMessage());
        assertFalse(a.complete());
    }

    @Test
    void inconsistentHeadersAndLimits() {
        List<BlobChunk> c = chunks(payload(3000, 6), 1000);
        BlobAssembler a = new BlobAssembler("b1", Long.MAX_VALUE);
        a.accept(c.get(0));
        BlobChunk other = new BlobChunk("b1", 1, 4, 3000, c.get(1).sha256(), Blobs.OCTETS, c.get(1).data());
        assertTrue(assertThrows(BlobException.class, () -> a.accept(other)).getMessage().contains("differs from chunk 0's"));
        assertTrue(assertThrows(BlobException.class, () -> new BlobAssembler("b1", 100).accept(c.get(0))).getMessage().contains("exceeds the limit of 100"));
        assertTrue(assertThrows(BlobException.class, () -> new BlobAssembler("b2", 10_000).accept(c.get(0))).getMessage().contains("got a chunk of blob b1"));
    }
}
