package io.fedprune.wire;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The committed bytes of schema version 1 still decode to the values they were written from. */
class GoldenFilesTest {
    final WireCodec codec = WireCodec.standard();

    @TestFactory
    Stream<DynamicTest> everyGoldenEnvelopeStillDecodes() {
        return Samples.all().entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            byte[] golden = GoldenFiles.read(e.getKey());
            assertNotNull(golden, "no golden file golden/v1/" + e.getKey() + ".bin: run GoldenFiles (see its Javadoc)");
            Decoded<Envelope> d = codec.decode(golden);
            assertTrue(d.isOk(), () -> e.getKey() + ": " + d);
            assertEquals(e.getValue(), d.value());
        }));
    }

    @TestFactory
    Stream<DynamicTest> theEncoderStillWritesTheGoldenBytes() {
        // encoding is deterministic (maps sorted); a difference here is an accidental wire change
        return Samples.all().entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(),
                () -> assertArrayEquals(GoldenFiles.read(e.getKey()), codec.encode(e.getValue()))));
    }

    @Test
    void goldenTensorBundleStillDecodes() {
        byte[] golden = GoldenFiles.read(GoldenFiles.TENSORS);
        assertNotNull(golden);
        var tensors = codec.decodeTensors(golden).value();
        assertEquals(Samples.tensors(), tensors);
        // the hand-written values, decoded to floats
        assertArrayEquals(new float[]{1, -2, 0.5f, 0, 3.25f, -0.125f}, TensorCodec.decode(tensors.get(0)).data());
        assertArrayEquals(new float[]{1, -2}, TensorCodec.decode(tensors.get(1)).data());
        assertArrayEquals(new float[]{63.5f, -63.5f, 1f, 0f, -1f}, TensorCodec.decode(tensors.get(2)).data());
    }
}
