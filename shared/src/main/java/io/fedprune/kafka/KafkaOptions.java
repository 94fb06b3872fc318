package io.fedprune.kafka;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Kafka client options every fedprune command line shares ({@code agent}, {@code demo}, {@code coordinator}): arbitrary client
 * properties, e.g. the settings {@code ./fedprune broker --secure} prints. A picocli mixin; the properties go to
 * {@link KafkaClients#configure}, on top of the {@code FEDPRUNE_KAFKA_*} environment.
 */
public final class KafkaOptions {

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties file (Java properties format, e.g. security.protocol, sasl.mechanism, sasl.jaas.config).")
    Path file;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "One Kafka client property (repeatable; wins over --kafka-config and FEDPRUNE_KAFKA_* variables).")
    List<String> pairs = new ArrayList<>();

    /** The properties given on the command line ({@code --kafka-config} first, then {@code --kafka-property}). */
    public Map<String, String> properties() {
        return KafkaClients.properties(file, pairs);
    }
}
