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
        Idx.Array a = Idx.read(f);
        assertArrayEquals(new int[]{2, 2, 3}, a.dims());
        assertEquals(12, a.values().length);
        assertEquals(220, a.unsigned(11)); // 11*20 = 220 > 127: read unsigned
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
        byte[] floats = t.clone();
        floats[2] = 0x0D;
        e = assertThrows(IOException.class, () -> Idx.read(new ByteArrayInputStream(floats), "f"));
        assertTrue(e.getMessage().contains("unsupported"), e.getMessage());
        byte[] magic = t.clone();
        magic[0] = 1;
        e = assertThrows(IOException.class, () -> Idx.read(new ByteArrayInputStream(magic), "m"));
        assertTrue(e.getMessage().contains("not an IDX"), e.getMessage());
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
