package io.fedprune.coordinator.round;

import io.fedprune.coordinator.fleet.DeviceRecord;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.wire.Budget;
import io.fedprune.wire.DeviceProfile;
import io.fedprune.wire.DeviceState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Device eligibility, k per layer and the seeded selection, worked by hand on LeNet-300-100 (fc1 784, fc2 300, fc3 100 inputs). */
class DeviceSelectorTest {
    private static final Model MODEL = Model.init(ModelArch.LENET300.graph(), 1);

    private static DeviceSelector selector(int devicesPerRound) {
        JobSpec spec = JobSpec.builder().pretrainEpochs(0).devicesPerRound(devicesPerRound).build("j");
        return new DeviceSelector(spec, JobLayers.of(spec, MODEL).base(), 266_610);
    }

    private static DeviceProfile device(String id, Budget b, long samples, String... capabilities) {
        return new DeviceProfile(id, b, samples, List.of(capabilities), "t");
    }

    @Test
    void kFromAKeepRatioIsCeilKeepTimesNWithTheOutputLayerKeepingAQuarter() {
        // 0.05: ceil(39.2) = 40 of 784, ceil(15) = 15 of 300, output max(0.05, 0.25) * 100 = 25
        assertArrayEquals(new int[]{40, 15, 25}, selector(0).deviceK(device("a", Budget.ofKeep(0.05), 10)).orElseThrow());
        // 0.1: ceil(78.4) = 79, 30, 25
        assertArrayEquals(new int[]{79, 30, 25}, selector(0).deviceK(device("a", Budget.ofKeep(0.1), 10)).orElseThrow());
        // 0.5: 392, 150, 50
        assertArrayEquals(new int[]{392, 150, 50}, selector(0).deviceK(device("a", Budget.ofKeep(0.5), 10)).orElseThrow());
    }

    @Test
    void anExplicitKPerLayerWinsAndMustBeInOneToN() {
        assertArrayEquals(new int[]{10, 15, 3}, selector(0).deviceK(device("a", new Budget(0.05, Map.of("fc1", 10, "fc3", 3)), 10)).orElseThrow());
        assertArrayEquals(new int[]{784, 1, 100}, selector(0).deviceK(device("a", Budget.ofK(Map.of("fc1", 784, "fc2", 1, "fc3", 100)), 10)).orElseThrow());
        assertTrue(selector(0).deviceK(device("a", Budget.ofK(Map.of("fc1", 785, "fc2", 1, "fc3", 1)), 10)).isEmpty(), "k above n");
        assertTrue(selector(0).deviceK(device("a", Budget.ofK(Map.of("fc1", 10, "fc2", 1)), 10)).isEmpty(), "no k for fc3, no keep");
    }

    @Test
    void devicesWithoutSamplesOrForAnotherModelAreNotEligible() {
        assertTrue(selector(0).deviceK(device("a", Budget.ofKeep(0.1), 0)).isEmpty());
        assertTrue(selector(0).deviceK(device("a", Budget.ofKeep(0.1), 5, "model:lenet5")).isEmpty());
        assertTrue(selector(0).deviceK(device("a", Budget.ofKeep(0.1), 5, "model:lenet300")).isPresent());
        assertTrue(selector(0).deviceK(device("a", Budget.ofKeep(0.1), 5, "int8")).isPresent(), "no model capability: any model");
        // LeNet-300-100 has 266,610 parameters
        assertTrue(selector(0).deviceK(device("a", Budget.ofKeep(0.1), 5, "max-params:266609")).isEmpty(), "one parameter too many");
        assertTrue(selector(0).deviceK(device("a", Budget.ofKeep(0.1), 5, "max-params:266610")).isPresent());
        assertTrue(selector(0).deviceK(device("a", Budget.ofKeep(0.1), 5, "max-params:1000000", "max-params:1000")).isEmpty(), "the smallest limit counts");
    }

    private static List<DeviceRecord> fleet(String... ids) {
        List<DeviceRecord> out = new ArrayList<>();
        for (String id : ids) out.add(new DeviceRecord(device(id, Budget.ofKeep(0.1), 10), DeviceState.IDLE, 0));
        out.add(new DeviceRecord(device("z-empty", Budget.ofKeep(0.1), 0), DeviceState.IDLE, 0));   // never eligible
        return out;
    }

    @Test
    void selectionIsASeededShuffleOfTheSortedEligibleIdsCutToDevicesPerRound() {
        // Collections.shuffle of [a, b, c, d, e] with new Random(42) gives [b, c, d, e, a] and with 7 [e, d, a, c, b]
        // (worked out with an independent implementation of java.util.Random); the first two, sorted
        assertEquals(List.of("b", "c"), List.copyOf(selector(2).select(fleet("e", "d", "c", "b", "a"), 42).keySet()));
        assertEquals(List.of("d", "e"), List.copyOf(selector(2).select(fleet("a", "b", "c", "d", "e"), 7).keySet()));
        Map<String, int[]> all = selector(0).select(fleet("c", "a", "b"), 42);
        assertEquals(List.of("a", "b", "c"), List.copyOf(all.keySet()));
        assertArrayEquals(new int[]{79, 30, 25}, all.get("a"));
        assertEquals(3, selector(10).select(fleet("c", "a", "b"), 42).size(), "fewer eligible devices than asked: all of them");
    }
}
