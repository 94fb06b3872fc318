package io.fedprune.wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsTest {
    static final String HEADER = "{\"__metadata__\":{\"keep\":\"0.1\"},"
            + "\"fc1.mask\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
            + "\"fc1.indices\":{\"dtype\":\"I32\",\"shape\":[2,1],\"data_offsets\":[16,24]},"
            + "\"flags\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[24,27]}}";

    /** The file as the format defines it, byte by byte. */
    static byte[] handBuilt() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] json = HEADER.getBytes(StandardCharsets.US_ASCII);
        int padded = (json.length + 7) / 8 * 8;
        for (int i = 0; i < 8; i++) out.write((int) ((long) padded >>> (8 * i)) & 0xff);   // u64 little-endian
        out.writeBytes(json);
        for (int i = json.length; i < padded; i++) out.write(' ');
        out.writeBytes(new byte[]{0, 0, (byte) 0x80, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0x80, 0x3f}); // 1, 0, 0, 1
        out.writeBytes(new byte[]{0, 0, 0, 0, 1, 0, 0, 0});                                                    // 0, 1
        out.writeBytes(new byte[]{7, 8, (byte) 255});
        return out.toByteArray();
    }

    static List<Safetensors.Entry> entries() {
        return List.of(Safetensors.Entry.f32("fc1.mask", new int[]{2, 2}, new float[]{1, 0, 0, 1}),
                Safetensors.Entry.i32("fc1.indices", new int[]{2, 1}, new int[]{0, 1}),
                Safetensors.Entry.u8("flags", new int[]{3}, new byte[]{7, 8, (byte) 255}));
    }

    @Test
    void writesExactlyTheHandBuiltLayout() {
        byte[] expected = handBuilt();
        assertEquals(0, (expected.length - 8 - 27) % 8, "header padded to a multiple of 8");
        assertArrayEquals(expected, Safetensors.write(entries(), Map.of("keep", "0.1")));
    }

    @Test
    void readsTheHandBuiltLayout() {
        Safetensors.Contents c = Safetensors.read(handBuilt());
        assertEquals(Map.of("keep", "0.1"), c.metadata());
        assertEquals(entries(), c.entries());
        assertArrayEquals(new float[]{1, 0, 0, 1}, c.require("fc1.mask").floats());
        assertArrayEquals(new int[]{0, 1}, c.require("fc1.indices").ints());
        assertArrayEquals(new int[]{2, 2}, c.require("fc1.mask").toTensor().shape());
    }

    @Test
    void readsOtherWritersHeaders() {
        // whitespace, another key order, tensors listed out of data order, no metadata
        String json = "{ \"b\" : {\"data_offsets\": [4, 8], \"shape\": [1], \"dtype\": \"F32\"},\n \"a\": {\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]} }";
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        byte[] file = new byte[8 + h.length + 8];
        file[0] = (byte) h.length;
        System.arraycopy(h, 0, file, 8, h.length);
        file[8 + h.length + 3] = 0x40;          // a = 2.0
        file[8 + h.length + 7] = (byte) 0xc0;   // b = -2.0
        Safetensors.Contents c = Safetensors.read(file);
        assertArrayEquals(new float[]{2f}, c.require("a").floats());
        assertArrayEquals(new float[]{-2f}, c.require("b").floats());
        assertTrue(c.metadata().isEmpty());
    }

    @Test
    void refusesMalformedFilesWithClearMessages() {
        byte[] ok = handBuilt();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Safetensors.read(new byte[5])).getMessage().contains("shorter than"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Safetensors.read(Arrays.copyOf(ok, 40))).getMessage().contains("header length"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Safetensors.read(Arrays.copyOf(ok, ok.length - 1))).getMessage().contains("outside the data section"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Safetensors.read(Arrays.copyOf(ok, ok.length + 4))).getMessage().contains("the tensors cover 27"));
        byte[] badDtype = ok.clone();
        String s = new String(badDtype, StandardCharsets.ISO_8859_1).replace("\"U8\"", "\"Q8\"");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Safetensors.read(s.getBytes(StandardCharsets.ISO_8859_1)))
                .getMessage().contains("unsupported dtype Q8"));
        String hole = new String(ok, StandardCharsets.ISO_8859_1).replace("[16,24]", "[17,25]");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Safetensors.read(hole.getBytes(StandardCharsets.ISO_8859_1)))
                .getMessage().contains("hole or overlap"));
        String duplicate = new String(ok, StandardCharsets.ISO_8859_1).replace("\"fc1.indices\"", "\"fc1.mask\"   ");   // same length
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Safetensors.read(duplicate.getBytes(StandardCharsets.ISO_8859_1)))
                .getMessage().contains("fc1.mask"));
        String notJson = new String(ok, StandardCharsets.ISO_8859_1).replace("\"dtype\":", "\"dtype\" ");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Safetensors.read(notJson.getBytes(StandardCharsets.ISO_8859_1)))
                .getMessage().contains("invalid JSON"));
    }

    @Test
    void fileRoundTripWithEscapedNames(@TempDir Path dir) throws Exception {
        List<Safetensors.Entry> e = List.of(Safetensors.Entry.f32("we\"ird\\name", new int[]{0}, new float[0]));
        Path f = dir.resolve("tier.safetensors");
        Safetensors.write(f, e, Map.of("note", "line1\nline2"));
        Safetensors.Contents c = Safetensors.read(f);
        assertEquals(e, c.entries());
        assertEquals("line1\nline2", c.metadata().get("note"));
    }
}
