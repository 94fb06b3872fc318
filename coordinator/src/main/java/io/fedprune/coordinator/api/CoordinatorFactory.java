package io.fedprune.coordinator.api;

import io.fedprune.coordinator.Coordinator;
import io.fedprune.coordinator.CoordinatorConfig;
import io.fedprune.coordinator.CoordinatorNode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

import java.time.Duration;

/** Wires the plain {@link CoordinatorNode} into Micronaut, with its Prometheus meters. */
@Factory
public class CoordinatorFactory {

    @Context
    @Bean(preDestroy = "close")
    public CoordinatorNode node(CoordinatorConfig config, MeterRegistry registry) {
        CoordinatorNode node = CoordinatorNode.start(config);
        Coordinator c = node.coordinator();
        Timer duration = Timer.builder("fedprune.round.duration").description("Wall time of a round").register(registry);
        c.onRound((job, r) -> {
            registry.counter("fedprune.rounds").increment();
            registry.counter("fedprune.updates.accepted").increment(r.replied());
            registry.counter("fedprune.updates.rejected", "reason", "late").increment(r.late());
            registry.counter("fedprune.updates.rejected", "reason", "duplicate").increment(r.duplicates());
            registry.counter("fedprune.updates.rejected", "reason", "invalid").increment(r.invalid());
            duration.record(Duration.ofMillis(r.durationMs()));
        });
        registry.counter("fedprune.rounds");
        registry.counter("fedprune.updates.accepted");
        FunctionCounter.builder("fedprune.bytes.in", node.transport(), t -> t.bytesIn()).baseUnit("bytes")
                .description("Update bytes received (records and blobs)").register(registry);
        FunctionCounter.builder("fedprune.bytes.out", node.transport(), t -> t.bytesOut()).baseUnit("bytes")
                .description("Blob bytes published (models, logits, artifacts)").register(registry);
        return node;
    }

    @Singleton
    public Coordinator coordinator(CoordinatorNode node) {
        return node.coordinator();
    }
}
