package io.fedprune.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reader of the IDX format (the original MNIST files): a big-endian header {@code 0x00 0x00 type ndims}, then
 * {@code ndims} 32-bit big-endian dimension sizes, then the values, big-endian, row-major. Any number of dimensions;
 * element types unsigned byte {@code 0x08} (MNIST's), signed byte {@code 0x09}, short {@code 0x0B}, int {@code 0x0C},
 * float {@code 0x0D} and double {@code 0x0E}. Files ending in {@code .gz} are decompressed on the fly.
 */
public final class Idx {

    private Idx() {
    }

    /** Reads an IDX file, plain or gzip-compressed ({@code .gz}). */
    public static NdArray read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("IDX file not found: " + file);
        try (InputStream in = open(file)) {
            return read(in, file.toString());
        }
    }

    /** A buffered stream of the file's bytes, decompressed if its name ends in {@code .gz}. */
    static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        return file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
    }

    /** Reads an IDX stream; {@code what} names the source in error messages. */
    public static NdArray read(InputStream stream, String what) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        try {
            int zero = in.readUnsignedShort();
            int type = in.readUnsignedByte();
            int nd = in.readUnsignedByte();
            if (zero != 0) throw new IOException(what + ": not an IDX file (magic " + Integer.toHexString(zero) + ")");
            int width = switch (type) {
                case 0x08, 0x09 -> 1;
                case 0x0B -> 2;
                case 0x0C, 0x0D -> 4;
                case 0x0E -> 8;
                default -> throw new IOException(what + ": unsupported IDX element type 0x" + Integer.toHexString(type)
                        + " (supported: 0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double)");
            };
            if (nd < 1) throw new IOException(what + ": IDX file with no dimensions");
            int[] dims = new int[nd];
            long total = 1;
            for (int i = 0; i < nd; i++) {
                dims[i] = in.readInt();
                if (dims[i] < 0) throw new IOException(what + ": negative dimension " + dims[i]);
                total *= dims[i];
            }
            if (total * width > Integer.MAX_VALUE - 8) throw new IOException(what + ": too large (" + total + " values)");
            byte[] bytes = new byte[(int) (total * width)];
            in.readFully(bytes);
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
            float[] v = new float[(int) total];
            switch (type) {
                case 0x08 -> { for (int i = 0; i < v.length; i++) v[i] = bytes[i] & 0xff; }
                case 0x09 -> { for (int i = 0; i < v.length; i++) v[i] = bytes[i]; }
                case 0x0B -> { for (int i = 0; i < v.length; i++) v[i] = b.getShort(2 * i); }
                case 0x0C -> { for (int i = 0; i < v.length; i++) v[i] = b.getInt(4 * i); }
                case 0x0D -> b.asFloatBuffer().get(v);
                default -> { for (int i = 0; i < v.length; i++) v[i] = (float) b.getDouble(8 * i); }
            }
            return new NdArray(dims, v, type <= 0x0C);
        } catch (EOFException e) {
            throw new IOException(what + ": truncated IDX file", e);
        }
    }
}
