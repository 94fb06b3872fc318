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

    @Test
    void roundTripsTheKeptWeightsAndMasks() {
        TierFile t = TierFile.read(FILE, TierFile.checksums(FILE));
        assertEquals("keep-0.1", t.tier());
        assertEquals(MASKS.keySet(), t.masks().keySet());
        MASKS.forEach((l, m) -> {
            assertArrayEquals(m.groupMask(), t.masks().get(l).groupMask(), l);
            float[] wm = m.weightMask(), w = MODEL.weight(l), r = t.model().weight(l);
            for (int i = 0; i < w.length; i++) assertEquals(wm[i] != 0 ? w[i] : 0f, r[i], l + " " + i);
        });
        Map<String, String> meta = Safetensors.read(FILE).metadata();
        assertEquals("fedprune-tier/2", meta.get("format"));
        assertEquals("conv1=Conv(1->20, 5x5, stride 1x1, pads 0,0,0,0) > MaxPool(2x2, stride 2x2, pads 0,0,0,0) > "
                + "conv2=Conv(20->50, 5x5, stride 1x1, pads 0,0,0,0) > MaxPool(2x2, stride 2x2, pads 0,0,0,0) > flatten > "
                + "fc1=Gemm(800->500) > Relu > fc2=Gemm(500->10)", meta.get("network"));
        assertEquals("0.1307", meta.get("preprocessing.mean"));
        assertEquals(Safetensors.Dtype.I16, Safetensors.read(FILE).require("fc1.indices").dtype());
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
        byte[] flipped = edit(e -> e.name().equals("fc1.values") ? flipFirstByte(e) : e, m -> m);
        Map<String, String> tensorsOnly = new HashMap<>(sums);
        tensorsOnly.remove("artifact");
        assertTrue(reason(flipped, sums).startsWith("checksum mismatch: the file"), reason(flipped, sums));
        assertEquals("checksum mismatch: tensor 'fc1.values'", reason(flipped, tensorsOnly));
    }

    @Test
    void refusesAWrongK() {
        byte[] wrongK = edit(e -> e, m -> {
            m.put("fc1.k", Integer.toString(Integer.parseInt(m.get("fc1.k")) + 1));
            return m;
        });
        assertTrue(reason(wrongK, Map.of()).startsWith("fc1: indices have shape"), reason(wrongK, Map.of()));
    }

    @Test
    void refusesAnIndexOutOfRange() {
        byte[] bad = edit(e -> {
            if (!e.name().equals("fc2.indices")) return e;
            int[] idx = e.ints();
            idx[idx.length - 1] = 500;   // n = 500
            return Safetensors.Entry.i16(e.name(), e.shape(), idx);
        }, m -> m);
        assertEquals("fc2: group 9 index 500 outside [0, 500)", reason(bad, Map.of()));
    }

    @Test
    void refusesMaskBitsThatDisagreeWithTheIndices() {
        byte[] bad = edit(e -> e.name().equals("conv2.mask_bits") ? flipFirstByte(e) : e, m -> m);
        assertTrue(reason(bad, Map.of()).startsWith("conv2: mask_bits disagree"), reason(bad, Map.of()));
    }

    @Test
    void refusesAnotherFormatVersion() {
        byte[] v1 = edit(e -> e, m -> {
            m.put("format", "fedprune-tier/1");
            return m;
        });
        assertEquals("unsupported format 'fedprune-tier/1' (this reader takes fedprune-tier/2)", reason(v1, Map.of()));
    }

    private static String reason(byte[] file, Map<String, String> sums) {
        return assertThrows(IllegalArgumentException.class, () -> TierFile.read(file, sums)).getMessage();
    }

    private static Safetensors.Entry flipFirstByte(Safetensors.Entry e) {
        byte[] d = e.data();
        d[0] ^= 1;
        return new Safetensors.Entry(e.name(), e.dtype(), e.shape(), d);
    }

    private static byte[] edit(UnaryOperator<Safetensors.Entry> entry, UnaryOperator<Map<String, String>> meta) {
        Safetensors.Contents c = Safetensors.read(FILE);
        List<Safetensors.Entry> out = new ArrayList<>();
        for (Safetensors.Entry e : c.entries()) out.add(entry.apply(e));
        return Safetensors.write(out, meta.apply(new HashMap<>(c.metadata())));
    }
}
