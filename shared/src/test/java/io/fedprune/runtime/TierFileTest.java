package io.fedprune.runtime;

import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.wire.Safetensors;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TierFileTest {
    private static final Model MODEL = Model.init(ModelArch.LENET5.graph(), 4);
    private static final Map<String, LayerMask> MASKS = TierCompilerTest.masks(ModelArch.LENET5, "KERNEL", 0.1, 3);
    private static final byte[] FILE = new TierFile("job-1", "keep-0.1", 0.1, MODEL, MASKS).write();
    /** At 3% keep fc1's indices (G*k*2 = 24,000 bytes) are smaller than its mask bits (G*n/8 = 50,000). */
    private static final Map<String, LayerMask> SPARSE_MASKS = TierCompilerTest.masks(ModelArch.LENET5, "KERNEL", 0.03, 3);
    private static final byte[] SPARSE = new TierFile("job-1", "keep-0.03", 0.03, MODEL, SPARSE_MASKS).write();

    @Test
    void roundTripsTheKeptWeightsAndMasks() {
        roundTrips(FILE, MASKS);
        roundTrips(SPARSE, SPARSE_MASKS);
        Map<String, String> meta = Safetensors.read(FILE).metadata();
        assertEquals("fedprune-tier/3", meta.get("format"));
        assertEquals("conv1=Conv(1->20, 5x5, stride 1x1, pads 0,0,0,0) > MaxPool(2x2, stride 2x2, pads 0,0,0,0) > "
                + "conv2=Conv(20->50, 5x5, stride 1x1, pads 0,0,0,0) > MaxPool(2x2, stride 2x2, pads 0,0,0,0) > flatten > "
                + "fc1=Gemm(800->500) > Relu > fc2=Gemm(500->10)", meta.get("network"));
        assertEquals("0.1307", meta.get("preprocessing.mean"));
    }

    @Test
    void eachLayerSaysWhichCandidatesItKeepsInTheSmallerForm() {
        Safetensors.Contents tenth = Safetensors.read(FILE), sparse = Safetensors.read(SPARSE);
        // 10% of fc1 (k = 80 of n = 800, 500 groups): indices 500*80*2 = 80,000 bytes, bits 50,000: bits
        assertTrue(tenth.get("fc1.mask_bits").isPresent());
        assertTrue(tenth.get("fc1.indices").isEmpty());
        // 3% (k = 24): indices 24,000 bytes, bits 50,000: indices, 16-bit since n = 800 fits
        assertEquals(Safetensors.Dtype.I16, sparse.require("fc1.indices").dtype());
        assertTrue(sparse.get("fc1.mask_bits").isEmpty());
        // fc2, the output layer, keeps 25% (k = 125 of 500, 10 groups): indices 2,500 bytes, bits 625: bits
        assertTrue(sparse.get("fc2.mask_bits").isPresent());
        assertTrue(sparse.get("fc2.indices").isEmpty());
    }

    private static void roundTrips(byte[] file, Map<String, LayerMask> masks) {
        TierFile t = TierFile.read(file, TierFile.checksums(file));
        assertEquals(masks.keySet(), t.masks().keySet());
        masks.forEach((l, m) -> {
            assertArrayEquals(m.groupMask(), t.masks().get(l).groupMask(), l);
            float[] wm = m.weightMask(), w = MODEL.weight(l), r = t.model().weight(l);
            for (int i = 0; i < w.length; i++) assertEquals(wm[i] != 0 ? w[i] : 0f, r[i], l + " " + i);
        });
    }

    @Test
    void theBitPackedMaskIsAFractionOfADenseOne() {
        long bits = Safetensors.read(FILE).require("fc1.mask_bits").data().length;
        assertEquals(500 * 800 / 8, bits);   // WEIGHT on fc1: G*n = 500*800 bits
    }

    @Test
    void refusesATruncatedFile() {
        String why = reason(Arrays.copyOf(FILE, FILE.length - 10), Map.of());
        assertTrue(why.contains("data section"), why);
    }

    @Test
    void refusesAChecksumMismatch() {
        Map<String, String> sums = TierFile.checksums(FILE);
        byte[] flipped = edit(FILE, e -> e.name().equals("fc1.values") ? flipFirstByte(e) : e, m -> m);
        Map<String, String> tensorsOnly = new HashMap<>(sums);
        tensorsOnly.remove("artifact");
        assertTrue(reason(flipped, sums).startsWith("checksum mismatch: the file"), reason(flipped, sums));
        assertEquals("checksum mismatch: tensor 'fc1.values'", reason(flipped, tensorsOnly));
    }

    @Test
    void refusesAWrongK() {
        UnaryOperator<Map<String, String>> plusOne = m -> {
            m.put("fc1.k", Integer.toString(Integer.parseInt(m.get("fc1.k")) + 1));
            return m;
        };
        assertEquals("fc1: group 0 keeps 80 candidates, not k=81", reason(edit(FILE, e -> e, plusOne), Map.of()));
        assertEquals("fc1: indices have shape [500, 24], expected [500, 25] for k=25", reason(edit(SPARSE, e -> e, plusOne), Map.of()));
    }

    @Test
    void refusesMaskBitsThatKeepAnotherNumberThanK() {
        byte[] bad = edit(FILE, e -> e.name().equals("conv2.mask_bits") ? flipFirstByte(e) : e, m -> m);
        assertTrue(reason(bad, Map.of()).matches("conv2: group 0 keeps \\d+ candidates, not k=2"), reason(bad, Map.of()));
    }

    @Test
    void refusesALayerThatDoesNotSayWhichCandidatesItKeeps() {
        byte[] bad = edit(FILE, e -> e.name().equals("fc1.mask_bits") ? null : e, m -> m);
        assertEquals("fc1: neither fc1.indices nor fc1.mask_bits", reason(bad, Map.of()));
    }

    @Test
    void refusesAnIndexOutOfRange() {
        byte[] bad = edit(SPARSE, e -> {
            if (!e.name().equals("fc1.indices")) return e;
            int[] idx = e.ints();
            idx[idx.length - 1] = 800;   // n = 800
            return Safetensors.Entry.i16(e.name(), e.shape(), idx);
        }, m -> m);
        assertEquals("fc1: group 499 index 800 outside [0, 800)", reason(bad, Map.of()));
    }

    @Test
    void readsVersionTwoFilesAndChecksTheirMaskBitsAgainstTheIndices() {
        byte[] v2 = versionTwo(e -> e);
        TierFile t = TierFile.read(v2);
        SPARSE_MASKS.forEach((l, m) -> assertArrayEquals(m.groupMask(), t.masks().get(l).groupMask(), l));
        byte[] bad = versionTwo(e -> e.name().equals("fc1.mask_bits") ? flipFirstByte(e) : e);
        assertTrue(reason(bad, Map.of()).startsWith("fc1: mask_bits disagree with the indices"), reason(bad, Map.of()));
    }

    @Test
    void refusesAnotherFormatVersion() {
        byte[] v1 = edit(FILE, e -> e, m -> {
            m.put("format", "fedprune-tier/1");
            return m;
        });
        assertEquals("unsupported format 'fedprune-tier/1' (this reader takes fedprune-tier/3 and fedprune-tier/2)", reason(v1, Map.of()));
    }

    /** SPARSE as version 2 wrote it: every pruned layer with both its indices and its mask bits. */
    private static byte[] versionTwo(UnaryOperator<Safetensors.Entry> entry) {
        Safetensors.Contents c = Safetensors.read(SPARSE);
        List<Safetensors.Entry> out = new ArrayList<>();
        for (Safetensors.Entry e : c.entries()) {
            String layer = e.name().substring(0, e.name().indexOf('.'));
            LayerMask m = SPARSE_MASKS.get(layer);
            if (m != null && e.name().endsWith(".values")) {
                int g = m.spec().groups(), n = m.spec().n(), k = m.spec().k();
                int[] idx = new int[g * k];
                byte[] bits = new byte[(g * n + 7) / 8];
                for (int grp = 0, j = 0; grp < g; grp++)
                    for (int cand = 0; cand < n; cand++)
                        if (m.kept(grp, cand)) {
                            idx[j++] = cand;
                            bits[(grp * n + cand) >> 3] |= (byte) (1 << ((grp * n + cand) & 7));
                        }
                if (c.get(layer + ".indices").isEmpty()) out.add(Safetensors.Entry.i16(layer + ".indices", new int[]{g, k}, idx));
                if (c.get(layer + ".mask_bits").isEmpty()) out.add(entry.apply(Safetensors.Entry.u8(layer + ".mask_bits", new int[]{bits.length}, bits)));
            }
            out.add(entry.apply(e));
        }
        Map<String, String> meta = new HashMap<>(c.metadata());
        meta.put("format", "fedprune-tier/2");
        meta.put("version", "2");
        return Safetensors.write(out, meta);
    }

    private static String reason(byte[] file, Map<String, String> sums) {
        return assertThrows(IllegalArgumentException.class, () -> TierFile.read(file, sums)).getMessage();
    }

    private static Safetensors.Entry flipFirstByte(Safetensors.Entry e) {
        byte[] d = e.data();
        d[0] ^= 1;
        return new Safetensors.Entry(e.name(), e.dtype(), e.shape(), d);
    }

    /** {@code file} with each tensor replaced by {@code entry}'s result (null: left out) and the metadata edited. */
    private static byte[] edit(byte[] file, UnaryOperator<Safetensors.Entry> entry, UnaryOperator<Map<String, String>> meta) {
        Safetensors.Contents c = Safetensors.read(file);
        List<Safetensors.Entry> out = new ArrayList<>();
        for (Safetensors.Entry e : c.entries()) {
            Safetensors.Entry x = entry.apply(e);
            if (x != null) out.add(x);
        }
        return Safetensors.write(out, meta.apply(new HashMap<>(c.metadata())));
    }
}
