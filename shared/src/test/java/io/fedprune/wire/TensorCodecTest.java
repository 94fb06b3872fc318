package io.fedprune.wire;

import io.fedprune.model.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class TensorCodecTest {

    static Tensor random(String name, int rows, int cols, long seed) {
        Random r = new Random(seed);
        float[] d = new float[rows * cols];
        for (int i = 0; i < d.length; i++) d[i] = (float) (r.nextGaussian() * 3);
        return new Tensor(name, new int[]{rows, cols}, d);
    }

    @Test
    void float32IsExactAndLittleEndian() {
        Tensor t = new Tensor("w", new int[]{2}, new float[]{1f, -2f});
        EncodedTensor e = TensorCodec.encode(t, TensorEncoding.FLOAT32);
        assertArrayEquals(new byte[]{0, 0, (byte) 0x80, 0x3f, 0, 0, 0, (byte) 0xc0}, e.data());
        Tensor big = random("w", 30, 40, 1);
        assertEquals(big, TensorCodec.decode(TensorCodec.encode(big, TensorEncoding.FLOAT32)));
        assertEquals(32.0, TensorCodec.encode(big, TensorEncoding.FLOAT32).bitsPerParameter());
    }

    @Test
    void float16KnownBitPatterns() {
        Tensor t = new Tensor("h", new int[]{6}, new float[]{1f, -2f, 65504f, 0x1.0p-24f, 0.333251953125f, 0f});
        EncodedTensor e = TensorCodec.encode(t, TensorEncoding.FLOAT16);
        // 1 = 0x3c00, -2 = 0xc000, 65504 = 0x7bff, 2^-24 = 0x0001, 0.333251953125 = 0x3555, 0 = 0x0000
        assertArrayEquals(new byte[]{0x00, 0x3c, 0x00, (byte) 0xc0, (byte) 0xff, 0x7b, 0x01, 0x00, 0x55, 0x35, 0, 0}, e.data());
        assertEquals(t, TensorCodec.decode(e));
        assertEquals(16.0, e.bitsPerParameter());
        assertEquals(RejectReason.OVERSIZE, assertThrows(InvalidMessageException.class,
                () -> TensorCodec.encode(new Tensor("h", new int[]{1}, new float[]{70000f}), TensorEncoding.FLOAT16)).reason());
    }

    @Test
    void float16RoundTripsEveryHalfExactly() {
        for (int h = 0; h < 0x10000; h++) {
            float f = Float16.toFloat((short) h);
            if (Float.isNaN(f)) continue;
            assertEquals((short) h, Float16.fromFloat(f), "half 0x" + Integer.toHexString(h));
        }
    }

    @Test
    void float16RoundsToTheNearestHalfTiesToEven() {
        // independent check: the result is at least as close as both neighbours, and even on a tie
        Random r = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            float f = Float.intBitsToFloat(r.nextInt()) ;
            if (!Float.isFinite(f) || Math.abs(f) > 65504f) continue;
            short h = Float16.fromFloat(f);
            double err = Math.abs((double) Float16.toFloat(h) - f);
            for (int d : new int[]{-1, 1}) {
                short n = (short) (h + d);
                float nf = Float16.toFloat(n);
                if (Float.isNaN(nf) || Float.isInfinite(nf) || Math.signum(nf) * Math.signum(Float16.toFloat(h)) < 0) continue;
                double nerr = Math.abs((double) nf - f);
                assertTrue(err <= nerr, () -> f + " -> " + Float16.toFloat(h) + " but " + nf + " is closer");
                if (err == nerr && err != 0) assertEquals(0, h & 1, "tie must go to even for " + f);
            }
        }
    }

    @Test
    void int8HandWorkedExample() {
        // group size 2: [1, -2 | 0.5, 0.25 | 4]; scales 2/127, 0.5/127, 4/127; q = [64 (63.5 rounds up), -127 | 127, 64 | 127]
        Tensor t = new Tensor("q", new int[]{5}, new float[]{1f, -2f, 0.5f, 0.25f, 4f});
        EncodedTensor e = TensorCodec.encode(t, TensorEncoding.INT8, 2);
        assertArrayEquals(new byte[]{64, -127, 127, 64, 127}, e.data());
        assertArrayEquals(new float[]{2f / 127, 0.5f / 127, 4f / 127}, e.scales());
        // (5 bytes + 3 scales * 4 bytes) * 8 bits / 5 parameters
        assertEquals((5 + 12) * 8 / 5.0, e.bitsPerParameter(), 1e-12);
    }

    @Test
    void int8ErrorIsAtMostHalfAScalePerElement() {
        Tensor t = random("w", 100, 300, 3);
        for (int g : new int[]{1, 7, 64, 300, 30000, 100000}) {
            EncodedTensor e = TensorCodec.encode(t, TensorEncoding.INT8, g);
            Tensor back = TensorCodec.decode(e);
            float[] scales = e.scales();
            for (int i = 0; i < t.size(); i++) {
                float bound = scales[i / g] / 2 * (1 + 1e-5f) + 1e-7f;
                assertTrue(Math.abs(back.get(i) - t.get(i)) <= bound, "group " + g + " element " + i);
            }
            assertEquals(8 + 32.0 * scales.length / t.size(), e.bitsPerParameter(), 1e-12);
        }
        assertEquals(8.5, TensorCodec.encode(random("w", 64, 10, 4), TensorEncoding.INT8).bitsPerParameter(), 1e-12);  // 640 = 10 groups of 64
    }

    @Test
    void allZeroGroupsAndEmptyTensors() {
        Tensor z = new Tensor("z", new int[]{3}, new float[3]);
        assertEquals(z, TensorCodec.decode(TensorCodec.encode(z, TensorEncoding.INT8, 2)));
        Tensor empty = new Tensor("e", new int[]{0, 4}, new float[0]);
        for (TensorEncoding enc : TensorEncoding.values()) {
            assertEquals(empty, TensorCodec.decode(TensorCodec.encode(empty, enc)));
        }
    }

    @Test
    void refusesNonFiniteInput() {
        Tensor t = new Tensor("w", new int[]{2}, new float[]{1f, Float.NaN});
        for (TensorEncoding enc : TensorEncoding.values()) {
            InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> TensorCodec.encode(t, enc));
            assertEquals(RejectReason.NON_FINITE, e.reason());
            assertTrue(e.getMessage().contains("'w' element 1 is NaN"), e.getMessage());
        }
    }

    @Test
    void bitsPerParameterOverSeveralTensors() {
        List<EncodedTensor> list = List.of(TensorCodec.encode(random("a", 10, 10, 1), TensorEncoding.FLOAT32),
                TensorCodec.encode(random("b", 10, 30, 2), TensorEncoding.FLOAT16));
        assertEquals((400 * 8 + 600 * 8) / 400.0, TensorCodec.bitsPerParameter(list), 1e-12);
        assertEquals(0, TensorCodec.bitsPerParameter(List.of()));
    }

    @Test
    void integerTensorsDecodeToFloats() {
        EncodedTensor idx = TensorCodec.int32("fc1.indices", new int[]{2, 2}, new int[]{0, 5, -1, 300});
        assertArrayEquals(new float[]{0, 5, -1, 300}, TensorCodec.decode(idx).data());
    }

    @Test
    void maskRiceCodesGapsByHand() {
        // ones at 1, 6, 7: gaps 1, 4, 0; r = 0 (8 bits) ties r = 1 (8 bits), the smaller r wins: unary "10" "11110" "0"
        Tensor t = new Tensor("m", new int[]{2, 4}, new float[]{0, 1, 0, 0, 0, 0, 1, 1});
        EncodedTensor e = TensorCodec.encode(t, TensorEncoding.MASK);
        assertEquals(DType.MASK_RICE, e.dtype());
        assertArrayEquals(new byte[]{0, 3, 0, 0, 0, (byte) 0xBC}, e.data());
        assertEquals(t, TensorCodec.decode(e));
        assertEquals(t, TensorCodec.decode(WireCodec.standard().decodeTensors(WireCodec.standard().encodeTensors(List.of(e))).value().get(0)));
        assertThrows(IllegalArgumentException.class, () -> TensorCodec.encode(new Tensor("m", new int[]{1}, new float[]{0.5f}), TensorEncoding.MASK));
    }

    @Test
    void maskIsAtMostOneBitPerParameterUpToKeep25AndRoundTrips() {
        Random r = new Random(3);
        for (double keep : new double[]{0.02, 0.05, 0.1, 0.25}) {
            int n = 784, rows = 300;
            float[] m = new float[n * rows];
            for (int g = 0; g < rows; g++)
                for (int c = 0, k = (int) Math.ceil(keep * n); c < k; ) {
                    int i = g * n + r.nextInt(n);
                    if (m[i] == 0) { m[i] = 1; c++; }
                }
            Tensor t = new Tensor("fc1", new int[]{rows, n}, m);
            EncodedTensor e = TensorCodec.encode(t, TensorEncoding.MASK);
            double p = Math.ceil(keep * n) / n, entropy = -(p * Math.log(p) + (1 - p) * Math.log(1 - p)) / Math.log(2);
            assertTrue(e.bitsPerParameter() <= 1.0, keep + ": " + e.bitsPerParameter());
            assertTrue(e.bitsPerParameter() <= 1.06 * entropy, keep + ": " + e.bitsPerParameter() + " vs entropy " + entropy);
            assertEquals(t, TensorCodec.decode(e));
        }
    }

    @Test
    void malformedMasksAreRejected() {
        Tensor t = new Tensor("m", new int[]{8}, new float[]{0, 1, 0, 0, 0, 0, 1, 1});
        byte[] tooMany = {0, 9, 0, 0, 0, (byte) 0xBC};                          // 9 ones in 8 elements
        byte[] pastShape = {0, 4, 0, 0, 0, (byte) 0xBC, 0};                     // a 4th one at index 8
        byte[] truncated = {0, 3, 0, 0, 0};
        for (byte[] d : List.of(tooMany, pastShape, truncated)) {
            EncodedTensor e = new EncodedTensor("m", DType.MASK_RICE, t.shape(), d, 0, null);
            assertEquals(RejectReason.SHAPE_MISMATCH, assertThrows(InvalidMessageException.class, () -> TensorCodec.decode(e)).reason());
        }
        assertThrows(InvalidMessageException.class, () -> new EncodedTensor("m", DType.MASK_RICE, t.shape(), new byte[4], 0, null));
    }

    @Test
    void rowRanksAreTwiceEachDecodedValuesRankInItsRowIn16BitsAParameter() {
        // rows [0.5, -1, 0.25] and [2, 2, -3]: ranks [2, 0, 1] and [1.5, 1.5, 0], sent as twice them
        EncodedTensor e = TensorCodec.withRowRanks(TensorCodec.encode(new Tensor("l", new int[]{2, 3}, new float[]{0.5f, -1, 0.25f, 2, 2, -3}), TensorEncoding.FLOAT32));
        assertArrayEquals(new int[]{4, 0, 2, 3, 3, 0}, TensorCodec.rowRanks(e));
        assertArrayEquals(new byte[]{4, 0, 0, 0, 2, 0, 3, 0, 3, 0, 0, 0}, e.rowRanks());
        assertEquals(32 + 16, e.bitsPerParameter(), 1e-12);
        assertNull(TensorCodec.rowRanks(TensorCodec.encode(new Tensor("l", new int[]{3}, new float[3]), TensorEncoding.FLOAT32)));
        WireCodec codec = new WireCodec(WireCodec.Limits.defaults());
        assertEquals(e, codec.decodeTensors(codec.encodeTensors(List.of(e))).value().get(0), "row_ranks on the wire");
        // the longest row that has them, 32768: twice its top rank, 65534, is the largest uint16 but one (unsigned)
        float[] longRow = new float[EncodedTensor.MAX_RANKED_ROW];
        for (int i = 0; i < longRow.length; i++) longRow[i] = -i;
        int[] longRanks = TensorCodec.rowRanks(codec.decodeTensors(codec.encodeTensors(List.of(TensorCodec.withRowRanks(
                TensorCodec.encode(new Tensor("long", new int[]{1, longRow.length}, longRow), TensorEncoding.FLOAT32))))).value().get(0));
        assertEquals(65534, longRanks[0]);
        assertEquals(0, longRanks[longRow.length - 1]);
        assertFalse(TensorCodec.withRowRanks(TensorCodec.encode(new Tensor("longer", new int[]{1, longRow.length + 1}, new float[longRow.length + 1]),
                TensorEncoding.FLOAT32)).hasRowRanks(), "longer rows: the coordinator sorts them");
        // decode errors: a wrong length, rows too long, ranks on an integer tensor
        var bad = assertThrows(InvalidMessageException.class, () -> new EncodedTensor("l", DType.FLOAT32, new int[]{2}, new byte[8], 0, null, new byte[2]));
        assertEquals(RejectReason.SHAPE_MISMATCH, bad.reason());
        int over = EncodedTensor.MAX_RANKED_ROW + 1;
        assertEquals(RejectReason.SHAPE_MISMATCH, assertThrows(InvalidMessageException.class,
                () -> new EncodedTensor("l", DType.FLOAT16, new int[]{1, over}, new byte[2 * over], 0, null, new byte[2 * over])).reason());
        assertThrows(InvalidMessageException.class, () -> new EncodedTensor("l", DType.INT32, new int[]{2}, new byte[8], 0, null, new byte[4]));
    }

    @Test
    void int8RowRanksAreOfTheDecodedValuesAndFuseBitForBitLikeTheCoordinatorsOwnRanking() {
        // INT8 rounds nearby logits to the same value: the ranks must be of the decoded values, ties and all
        Random r = new Random(5);
        List<io.fedprune.fuse.LayerShape> layers = List.of(new io.fedprune.fuse.LayerShape("l", 6, 50));
        var withRanks = io.fedprune.fuse.FusionConfig.defaults().strategy().begin(layers, io.fedprune.fuse.FoldBounds.of(8, 100));
        var withoutRanks = io.fedprune.fuse.FusionConfig.defaults().strategy().begin(layers, io.fedprune.fuse.FoldBounds.of(8, 100));
        int ties = 0;
        for (int d = 0; d < 8; d++) {
            float[] x = new float[300];
            for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 3);
            EncodedTensor e = TensorCodec.withRowRanks(TensorCodec.encode(new Tensor("l", new int[]{6, 50}, x), TensorEncoding.INT8, 64));
            float[] decoded = TensorCodec.decode(e).data();
            int[] ranks = TensorCodec.rowRanks(e);
            for (int g = 0; g < 6; g++)                                      // twice the rank by the definition, O(n^2)
                for (int i = 0; i < 50; i++) {
                    int twice = 0;
                    for (int j = 0; j < 50; j++) {
                        float a = decoded[g * 50 + j], b = decoded[g * 50 + i];
                        twice += a < b ? 2 : a == b && j != i ? 1 : 0;
                    }
                    assertEquals(twice, ranks[g * 50 + i]);
                    ties += twice % 2;
                }
            double w = 1 + r.nextInt(99);
            withRanks.add(new io.fedprune.fuse.Contribution(List.of(decoded), new int[]{5}, w, List.of(ranks)));
            withoutRanks.add(new io.fedprune.fuse.Contribution(List.of(decoded), new int[]{5}, w));
        }
        assertTrue(ties > 0, "INT8 made ties");
        var a = withRanks.finish();
        var b = withoutRanks.finish();
        assertArrayEquals(b.scores().get(0), a.scores().get(0), 0f);
        assertArrayEquals(b.logits().get(0), a.logits().get(0), 0f);
    }

    @Test
    void anUpdateCarriesRowRanksOnlyWhenTheRoundAsksAndNeverForMasks() {
        List<Tensor> logits = List.of(new Tensor("l", new int[]{2, 2}, new float[]{1, 0, 0, 1}));
        TrainingConfig asks = new TrainingConfig(1, 0.1, 8, 1, 1, 0, 1, TensorEncoding.INT8, 64, true);
        assertTrue(TensorCodec.encodeUpdate(logits, asks).get(0).hasRowRanks());
        assertEquals(TensorEncoding.INT8.dtype(), TensorCodec.encodeUpdate(logits, asks).get(0).dtype());
        assertFalse(TensorCodec.encodeUpdate(logits, asks.withEncoding(TensorEncoding.MASK, 0)).get(0).hasRowRanks());
        assertFalse(TensorCodec.encodeUpdate(logits, new TrainingConfig(1, 0.1, 8, 1, 1, 0, 1, TensorEncoding.FLOAT32, 0)).get(0).hasRowRanks());
    }
}
