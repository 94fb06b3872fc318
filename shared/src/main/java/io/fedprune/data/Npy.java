package io.fedprune.data;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reader of NumPy's {@code .npy} format (versions 1 to 3): the magic {@code \x93NUMPY}, a version, a header length,
 * a Python dict literal with {@code descr}, {@code fortran_order} and {@code shape}, then the values. C order only;
 * element types {@code u1 i1 u2 i2 u4 i4 u8 i8 f4 f8} (and {@code b1}) in either byte order.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** Reads a {@code .npy} file. */
    public static NdArray read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("NumPy file not found: " + file);
        try (InputStream in = Idx.open(file)) {
            return read(in, file.toString());
        }
    }

    /** Reads a {@code .npy} stream; {@code what} names the source in error messages. */
    public static NdArray read(InputStream stream, String what) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        try {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) throw new IOException(what + ": not a NumPy .npy file");
            int major = in.readUnsignedByte();
            in.readUnsignedByte();
            if (major < 1 || major > 3) throw new IOException(what + ": unsupported .npy version " + major);
            long headerLen = major == 1 ? Short.toUnsignedInt(Short.reverseBytes(in.readShort()))
                    : Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
            if (headerLen > 1 << 20) throw new IOException(what + ": .npy header of " + headerLen + " bytes");
            byte[] hb = new byte[(int) headerLen];
            in.readFully(hb);
            String header = new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            String descr = field(DESCR, header, "descr", what);
            if (field(FORTRAN, header, "fortran_order", what).equals("True"))
                throw new IOException(what + ": Fortran-order arrays are not supported (save with numpy.ascontiguousarray)");
            int[] dims = shape(field(SHAPE, header, "shape", what), what);
            if (descr.length() < 3) throw new IOException(what + ": unsupported dtype '" + descr + "'");
            ByteOrder order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            String type = descr.substring(1);
            int width = switch (type) {
                case "u1", "i1", "b1" -> 1;
                case "u2", "i2" -> 2;
                case "u4", "i4", "f4" -> 4;
                case "u8", "i8", "f8" -> 8;
                default -> throw new IOException(what + ": unsupported dtype '" + descr
                        + "' (supported: u1 i1 u2 i2 u4 i4 u8 i8 f4 f8 b1)");
            };
            long total = 1;
            for (int d : dims) total *= d;
            if (total * width > Integer.MAX_VALUE - 8) throw new IOException(what + ": too large (" + total + " values)");
            byte[] bytes = new byte[(int) (total * width)];
            in.readFully(bytes);
            ByteBuffer b = ByteBuffer.wrap(bytes).order(order);
            float[] v = new float[(int) total];
            switch (type) {
                case "u1", "b1" -> { for (int i = 0; i < v.length; i++) v[i] = bytes[i] & 0xff; }
                case "i1" -> { for (int i = 0; i < v.length; i++) v[i] = bytes[i]; }
                case "u2" -> { for (int i = 0; i < v.length; i++) v[i] = Short.toUnsignedInt(b.getShort(2 * i)); }
                case "i2" -> { for (int i = 0; i < v.length; i++) v[i] = b.getShort(2 * i); }
                case "u4" -> { for (int i = 0; i < v.length; i++) v[i] = Integer.toUnsignedLong(b.getInt(4 * i)); }
                case "i4" -> { for (int i = 0; i < v.length; i++) v[i] = b.getInt(4 * i); }
                case "u8", "i8" -> { for (int i = 0; i < v.length; i++) v[i] = b.getLong(8 * i); }
                case "f4" -> b.asFloatBuffer().get(v);
                default -> { for (int i = 0; i < v.length; i++) v[i] = (float) b.getDouble(8 * i); }
            }
            return new NdArray(dims, v, !type.startsWith("f"));
        } catch (EOFException e) {
            throw new IOException(what + ": truncated .npy file", e);
        }
    }

    private static String field(Pattern p, String header, String name, String what) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) throw new IOException(what + ": .npy header without '" + name + "': " + header.trim());
        return m.group(1);
    }

    private static int[] shape(String s, String what) throws IOException {
        String[] parts = Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toArray(String[]::new);
        int[] dims = new int[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                dims[i] = Integer.parseInt(parts[i].endsWith("L") ? parts[i].substring(0, parts[i].length() - 1) : parts[i]);
                if (dims[i] < 0) throw new NumberFormatException("negative");
            }
        } catch (NumberFormatException e) {
            throw new IOException(what + ": bad .npy shape (" + s + ")");
        }
        return dims;
    }
}
