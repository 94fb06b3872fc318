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
}
