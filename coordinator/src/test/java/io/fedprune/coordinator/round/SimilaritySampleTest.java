package io.fedprune.coordinator.round;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The bounded, seeded sample of devices whose masks feed the similarity metrics. */
class SimilaritySampleTest {
    static Set<String> ids(int n) {
        Set<String> s = new HashSet<>();
        for (int i = 0; i < n; i++) s.add("device-" + i);
        return s;
    }

    @Test
    void smallFleetsAreTakenWhole() {
        assertEquals(ids(10), DeviceSelector.sample(ids(10), 7, 32));
    }

    @Test
    void largeFleetsGiveABoundedDeterministicSubset() {
        Set<String> all = ids(200);
        Set<String> a = DeviceSelector.sample(all, 7, 32);
        assertEquals(32, a.size());
        assertTrue(all.containsAll(a));
        assertEquals(a, DeviceSelector.sample(new HashSet<>(all), 7, 32), "same seed, same sample, whatever the set's order");
        assertNotEquals(a, DeviceSelector.sample(all, 8, 32), "another seed, another sample");
    }
}
