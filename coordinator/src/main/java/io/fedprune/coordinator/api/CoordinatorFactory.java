package io.fedprune.coordinator.api;

import io.fedprune.coordinator.Coordinator;
import io.fedprune.coordinator.CoordinatorConfig;
import io.fedprune.coordinator.FailoverConfig;
import io.fedprune.coordinator.CoordinatorNode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.env.Environment;
import io.micronaut.core.naming.conventions.StringConvention;
import jakarta.inject.Singleton;

import java.util.Map;
import java.util.TreeMap;

import java.time.Duration;

/** Wires the plain {@link CoordinatorNode} into Micronaut, with its Prometheus meters. */
@Factory
public class CoordinatorFactory {

    @Context
    @Bean(preDestroy = "close")
    public CoordinatorNode node(CoordinatorConfig config, FailoverConfig failover, MeterRegistry registry, Environment environment) {
        CoordinatorNode node = CoordinatorNode.start(config, kafkaProperties(environment), failover, registry);
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

    /**
     * The Kafka client properties under {@code fedprune.kafka} (e.g. {@code fedprune.kafka.security.protocol}); keys
     * with a hyphen are left out: Kafka's own keys have none, and Micronaut adds hyphenated spellings of environment
     * variables ({@code FEDPRUNE_KAFKA_*} variables are read by {@code KafkaClients.configure} itself).
     */
    static Map<String, String> kafkaProperties(Environment environment) {
        Map<String, String> out = new TreeMap<>();
        environment.getProperties("fedprune.kafka", StringConvention.RAW).forEach((k, v) -> {
            if (!k.contains("-") && v != null) out.put(k, v.toString());
        });
        return out;
    }

    @Singleton
    public Coordinator coordinator(CoordinatorNode node) {
        return node.coordinator();
    }
}
