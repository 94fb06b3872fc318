package io.fedprune.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelTest {

    @Test
    void architecturesHaveTheTextbookParameterCounts() {
        // LeNet-300-100: 784*300+300 + 300*100+100 + 100*10+10
        assertEquals(266_610, ModelArch.LENET300.parameterCount());
        // LeNet-5 (Caffe): 20*25+20 + 50*20*25+50 + 800*500+500 + 500*10+10
        assertEquals(431_080, ModelArch.LENET5.parameterCount());
        assertEquals(List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"),
                ModelArch.LENET300.parameterNames());
        assertTrue(ModelArch.LENET5.layer("fc2").output());
        assertEquals(ModelArch.LENET300, ModelArch.parse("LeNet-300-100"));
        assertThrows(IllegalArgumentException.class, () -> ModelArch.parse("vgg16"));
    }

    @Test
    void tensorsRoundTrip() {
        for (ModelArch arch : ModelArch.values()) {
            Model m = Model.init(arch.graph(), 5);
            List<Tensor> ts = m.toTensors();
            assertEquals(arch.parameterNames(), ts.stream().map(Tensor::name).toList());
            assertArrayEquals(new int[]{arch.layers().get(0).outputs()}, ts.get(1).shape());
            Model back = Model.fromTensors(arch.graph(), ts);
            for (String n : arch.parameterNames()) {
                assertArrayEquals(m.param(n), back.param(n), n);
                assertNotSame(m.param(n), back.param(n));
            }
        }
    }

    @Test
    void fromTensorsNamesTheBadTensor() {
        List<Tensor> ts = new ArrayList<>(Model.init(ModelArch.LENET300.graph(), 1).toTensors());
        ts.set(2, new Tensor("fc2.weight", new int[]{300, 100}, new float[30_000]));
        var e = assertThrows(IllegalArgumentException.class, () -> Model.fromTensors(ModelArch.LENET300.graph(), ts));
        assertTrue(e.getMessage().contains("fc2.weight"), e.getMessage());
        List<Tensor> missing = new ArrayList<>(Model.init(ModelArch.LENET300.graph(), 1).toTensors());
        missing.remove(5);
        e = assertThrows(IllegalArgumentException.class, () -> Model.fromTensors(ModelArch.LENET300.graph(), missing));
        assertTrue(e.getMessage().contains("fc3.bias"), e.getMessage());
    }

    @Test
    void maskedMultipliesWeightsOnly() {
        Model m = Model.init(ModelArch.LENET300.graph(), 2);
        float[] mask = new float[10 * 100];
        mask[3] = 1;
        Model p = m.masked(Map.of("fc3", mask));
        float[] w = p.weight("fc3");
        assertEquals(m.weight("fc3")[3], w[3]);
        assertEquals(0f, w[4], 0f);
        assertArrayEquals(m.weight("fc1"), p.weight("fc1"));
        assertArrayEquals(m.bias("fc3"), p.bias("fc3"));
    }

    @Test
    void modelFileRoundTrip(@TempDir Path dir) throws Exception {
        Model m = Model.init(ModelArch.LENET5.graph(), 9);
        Path f = dir.resolve("sub/lenet5.model");
        ModelFile.write(m, f);
        Model back = ModelFile.read(f);
        assertEquals(ModelArch.LENET5.graph(), back.graph());
        for (String n : ModelArch.LENET5.parameterNames()) assertArrayEquals(m.param(n), back.param(n), n);
    }
}
