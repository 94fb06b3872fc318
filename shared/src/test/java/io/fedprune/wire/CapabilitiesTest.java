package io.fedprune.wire;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CapabilitiesTest {
    @Test
    void aParameterLimitIsATagAndTheSmallestCounts() {
        assertEquals("max-params:1000", Capabilities.maxParams(1000));
        assertThrows(IllegalArgumentException.class, () -> Capabilities.maxParams(0));
        assertTrue(Capabilities.fits(List.of("encoding:int8"), Long.MAX_VALUE), "no limit declared");
        assertTrue(Capabilities.fits(List.of("max-params:1000"), 1000));
        assertFalse(Capabilities.fits(List.of("max-params:1000"), 1001));
        assertFalse(Capabilities.fits(List.of("max-params:5000", "max-params:1000"), 2000));
        assertTrue(Capabilities.fits(List.of("max-params:lots"), 2000), "a malformed limit declares nothing");
    }

    @Test
    void aDeviceRunsABuiltInItNamesAndAnImportedModelWhoseOperatorsItDeclares() {
        List<String> old = List.of("encoding:int8", "model:lenet300", "model:lenet5");   // an agent before ONNX import
        List<String> onnx = List.of("model:lenet300", "model:onnx", Capabilities.onnxOperators(List.of("Relu", "Conv", "Gemm")));
        assertEquals("onnx-ops:Conv,Gemm,Relu", onnx.get(2));
        assertTrue(Capabilities.runs(old, "lenet5", List.of()));
        assertFalse(Capabilities.runs(old, "lenet9", List.of()));
        assertFalse(Capabilities.runs(old, null, List.of("Conv")), "no model:onnx: no imported models");
        assertTrue(Capabilities.runs(onnx, null, List.of("Conv", "Relu")));
        assertFalse(Capabilities.runs(onnx, null, List.of("Conv", "Sigmoid")), "an operator it does not declare");
        assertTrue(Capabilities.runs(List.of("model:onnx"), null, List.of("Sigmoid")), "no operator list: every operator");
        assertTrue(Capabilities.runs(List.of("encoding:int8"), null, List.of("Conv")), "no model tags: every model");
        assertTrue(Capabilities.runs(List.of("encoding:int8"), "lenet5", List.of()));
    }
}
