package io.fedprune.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

class IdxTest {

    /** A 2x2x3 IDX image file written by hand: magic 0x00000803, dims 2,2,3, then 12 bytes. */
    static byte[] tiny() {
        byte[] b = new byte[4 + 12 + 12];
        b[2] = 0x08;
        b[3] = 3;
        b[7] = 2;
        b[11] = 2;
        b[15] = 3;
        for (int i = 0; i < 12; i++) b[16 + i] = (byte) (i * 20);
        return b;
    }

    @Test
    void readsHandWrittenFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("x-idx3-ubyte");
        Files.write(f, tiny());
        NdArray a = Idx.read(f);
        assertArrayEquals(new int[]{2, 2, 3}, a.dims());
        assertEquals(12, a.values().length);
        assertEquals(220, a.values()[11]); // 11*20 = 220 > 127: read unsigned
        assertTrue(a.integral());
    }

    @Test
    void readsGzip(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("x-idx3-ubyte.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
            out.write(tiny());
        }
        assertArrayEquals(new int[]{2, 2, 3}, Idx.read(f).dims());
    }

    @Test
    void rejectsTruncatedAndForeignFiles() {
        byte[] t = tiny();
        byte[] truncated = java.util.Arrays.copyOf(t, t.length - 1);
        IOException e = assertThrows(IOException.class, () -> Idx.read(new ByteArrayInputStream(truncated), "t"));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        byte[] unknown = t.clone();
        unknown[2] = 0x0A;
        e = assertThrows(IOException.class, () -> Idx.read(new ByteArrayInputStream(unknown), "f"));
        assertTrue(e.getMessage().contains("unsupported"), e.getMessage());
        byte[] magic = t.clone();
        magic[0] = 1;
        e = assertThrows(IOException.class, () -> Idx.read(new ByteArrayInputStream(magic), "m"));
        assertTrue(e.getMessage().contains("not an IDX"), e.getMessage());
    }

    @Test
    void readsRank4BigEndianFloats() throws IOException {
        // [2, 1, 1, 2] floats 0x0D, big-endian: 1.5, -2, 0.25, 1e6
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 16 + 16);
        b.put(new byte[]{0, 0, 0x0D, 4}).putInt(2).putInt(1).putInt(1).putInt(2);
        b.putFloat(1.5f).putFloat(-2f).putFloat(0.25f).putFloat(1e6f);
        NdArray a = Idx.read(new ByteArrayInputStream(b.array()), "f");
        assertArrayEquals(new int[]{2, 1, 1, 2}, a.dims());
        assertArrayEquals(new float[]{1.5f, -2f, 0.25f, 1e6f}, a.values());
        assertFalse(a.integral());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.labels("f"));
        assertTrue(e.getMessage().contains("integer type"), e.getMessage());
    }

    @Test
    void readsSignedBytesShortsAndInts() throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 4 + 2);
        b.put(new byte[]{0, 0, 0x09, 1}).putInt(2).put((byte) -3).put((byte) 127);
        assertArrayEquals(new float[]{-3, 127}, Idx.read(new ByteArrayInputStream(b.array()), "b").values());
        b = java.nio.ByteBuffer.allocate(4 + 4 + 4);
        b.put(new byte[]{0, 0, 0x0B, 1}).putInt(2).putShort((short) -300).putShort((short) 1000);
        assertArrayEquals(new float[]{-300, 1000}, Idx.read(new ByteArrayInputStream(b.array()), "s").values());
        b = java.nio.ByteBuffer.allocate(4 + 4 + 8);
        b.put(new byte[]{0, 0, 0x0C, 1}).putInt(2).putInt(70000).putInt(3);
        NdArray ints = Idx.read(new ByteArrayInputStream(b.array()), "i");
        assertArrayEquals(new int[]{70000, 3}, ints.labels("i"));
    }

    @Test
    void readsCommittedMnistSubset() throws Exception {
        Mnist.Split s = Mnist.load(TestData.mnistMini());
        assertEquals(2000, s.train().n());
        assertEquals(1000, s.test().n());
        assertEquals(28, s.test().rows());
        assertEquals(28, s.test().cols());
        // the first MNIST test labels are 7, 2, 1, 0, 4; the first training labels 5, 0, 4, 1, 9
        assertArrayEquals(new int[]{7, 2, 1, 0, 4}, java.util.Arrays.copyOf(s.test().y(), 5));
        assertArrayEquals(new int[]{5, 0, 4, 1, 9}, java.util.Arrays.copyOf(s.train().y(), 5));
        // pixel 0 of every MNIST image is background (0): normalised to -0.1307/0.3081
        assertEquals(-0.1307f / 0.3081f, s.train().x()[0], 1e-6f);
    }

    @Test
    void missingFileIsNamed(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class, () -> Mnist.load(dir));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte"), e.getMessage());
    }
}
