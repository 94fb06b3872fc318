package io.fedprune.coordinator.api;

import io.fedprune.coordinator.CoordinatorNode;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;

import java.util.List;
import java.util.Map;

/** {@code /health} is DOWN when one of the coordinator's reading threads (blob reader, consumer loops) died. */
@Singleton
public class ReaderHealth implements HealthIndicator {
    private final CoordinatorNode node;

    public ReaderHealth(CoordinatorNode node) {
        this.node = node;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        List<String> dead = node.deadThreads();
        return Publishers.just(HealthResult.builder("fedprune-readers", dead.isEmpty() ? HealthStatus.UP : HealthStatus.DOWN)
                .details(Map.of("deadThreads", dead)).build());
    }
}
