package io.fedprune.data;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Writers of tiny data sets in every layout {@link ImageData} reads, for tests (shared's test-jar exports it). */
public final class DataFiles {
    private DataFiles() {
    }

    /** An IDX file of unsigned bytes with the given dimensions. */
    public static void idx(Path file, int[] dims, byte[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + values.length);
        b.put(new byte[]{0, 0, 0x08, (byte) dims.length});
        for (int d : dims) b.putInt(d);
        b.put(values);
        Files.write(file, b.array());
    }

    /** A version 1.0 {@code .npy} file of unsigned bytes ({@code |u1}). */
    public static void npyBytes(Path file, int[] shape, byte[] values) throws IOException {
        npy(file, "|u1", shape, ByteBuffer.wrap(values));
    }

    /** A version 1.0 {@code .npy} file of little-endian float32 ({@code <f4}). */
    public static void npyFloats(Path file, int[] shape, float[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        npy(file, "<f4", shape, b.flip());
    }

    /** A version 1.0 {@code .npy} file of little-endian int64 ({@code <i8}), NumPy's default integer type. */
    public static void npyLongs(Path file, int[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) b.putLong(v);
        npy(file, "<i8", new int[]{values.length}, b.flip());
    }

    /** A {@code .npy} file with the given dtype, as {@code numpy.save} writes it (header padded to 64 bytes). */
    public static void npy(Path file, String descr, int[] shape, ByteBuffer data) throws IOException {
        String dims = Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(", "));
        if (shape.length == 1) dims += ",";
        StringBuilder h = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }");
        while ((10 + h.length() + 1) % 64 != 0) h.append(' ');
        h.append('\n');
        byte[] header = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer out = ByteBuffer.allocate(10 + header.length + data.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        out.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length).put(header).put(data);
        Files.write(file, out.array());
    }

    /** A grey PNG of {@code h x w} pixels with the given values, row-major. */
    public static void greyPng(Path file, int h, int w, int[] values) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSamples(0, 0, w, h, 0, values);
        write(img, "png", file);
    }

    /** An RGB image of {@code h x w} pixels with packed {@code 0xRRGGBB} values, row-major; format png or jpg. */
    public static void rgbImage(Path file, String format, int h, int w, int[] rgb) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, w, h, rgb, 0, w);
        write(img, format, file);
    }

    private static void write(BufferedImage img, String format, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(img, format, file.toFile())) throw new IOException("no ImageIO writer for " + format);
    }
}
