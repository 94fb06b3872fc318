package io.fedprune.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reader of the IDX format (the original MNIST files): a big-endian header {@code 0x00 0x00 type ndims}, then
 * {@code ndims} 32-bit big-endian dimension sizes, then the values. Only unsigned bytes (type {@code 0x08}), the
 * type MNIST uses, are supported. Files ending in {@code .gz} are decompressed on the fly.
 */
public final class Idx {

    /** The decoded contents of an IDX file: its dimensions and its unsigned byte values in row-major order. */
    public record Array(int[] dims, byte[] values) {
        public Array {
            dims = dims.clone();
        }

        @Override
        public int[] dims() {
            return dims.clone();
        }

        /** Value {@code i} as an unsigned int in [0, 255]. */
        public int unsigned(int i) {
            return values[i] & 0xff;
        }
    }

    private static final int UBYTE = 0x08;

    private Idx() {
    }

    /** Reads an IDX file, plain or gzip-compressed ({@code .gz}). */
    public static Array read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("IDX file not found: " + file);
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.getFileName().toString().endsWith(".gz")
                     ? new GZIPInputStream(new BufferedInputStream(raw), 1 << 16) : new BufferedInputStream(raw, 1 << 16)) {
            return read(in, file.toString());
        }
    }

    /** Reads an IDX stream; {@code what} names the source in error messages. */
    public static Array read(InputStream stream, String what) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        try {
            int zero = in.readUnsignedShort();
            int type = in.readUnsignedByte();
            int nd = in.readUnsignedByte();
            if (zero != 0) throw new IOException(what + ": not an IDX file (magic " + Integer.toHexString(zero) + ")");
            if (type != UBYTE) throw new IOException(what + ": unsupported IDX element type 0x" + Integer.toHexString(type) + " (only unsigned byte 0x08)");
            if (nd < 1) throw new IOException(what + ": IDX file with no dimensions");
            int[] dims = new int[nd];
            long total = 1;
            for (int i = 0; i < nd; i++) {
                dims[i] = in.readInt();
                if (dims[i] < 0) throw new IOException(what + ": negative dimension " + dims[i]);
                total *= dims[i];
            }
            if (total > Integer.MAX_VALUE - 8) throw new IOException(what + ": too large (" + total + " values)");
            byte[] values = new byte[(int) total];
            in.readFully(values);
            return new Array(dims, values);
        } catch (EOFException e) {
            throw new IOException(what + ": truncated IDX file", e);
        }
    }

    /** Describes dimensions for messages, e.g. {@code [60000, 28, 28]}. */
    static String describe(int[] dims) {
        return Arrays.toString(dims);
    }
}
