package io.fedprune.coordinator;

import io.fedprune.coordinator.api.ReaderHealth;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthResult;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** {@code /health}'s reader indicator against a real node: UP while its reading threads run, DOWN naming them when they stop. */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
@ExtendWith(FleetFixture.class)
class ReaderHealthIT {
    @Test
    void healthIsDownAndNamesTheReadingThreadsThatNoLongerRun() throws Exception {
        CoordinatorNode node = CoordinatorNode.start(FleetFixture.config("health."));
        ReaderHealth health = new ReaderHealth(node);
        HealthResult up = Mono.from(health.getResult()).block();
        assertEquals(HealthStatus.UP, up.getStatus(), String.valueOf(up.getDetails()));
        node.close();                                                   // every reading thread ends
        HealthResult down = Mono.from(health.getResult()).block();
        assertEquals(HealthStatus.DOWN, down.getStatus());
        @SuppressWarnings("unchecked")
        List<String> dead = (List<String>) ((Map<String, Object>) down.getDetails()).get("deadThreads");
        assertTrue(dead.containsAll(List.of("blob-reader", "upload-reader", "coordinator-devices", "coordinator-updates")), dead.toString());
    }
}
