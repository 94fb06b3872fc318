package io.fedprune.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Makes Kafka clients with fedprune's settings; keys and values are {@code byte[]} (so that a consumer never fails
 * on a record it cannot read: decoding is {@link io.fedprune.wire.WireCodec}'s job).
 *
 * <ul>
 *   <li>Producers: {@code acks=all}, {@code enable.idempotence=true} (at most 5 requests in flight, so order per
 *       partition is kept), {@code linger.ms=0} (Kafka's default 5 ms is added to every message somebody waits for:
 *       a round start, an update, a job-log record; blob chunks fill a batch on their own, and records sent while a
 *       request is in flight still share the next one), no compression (tensors barely compress), {@code max.request.size}
 *       4 MiB so that several blob chunks share one produce request (each record is still bounded by the broker's
 *       {@code message.max.bytes}, 1 MB by default).</li>
 *   <li>Consumers: {@code auto.offset.reset=earliest}, {@code enable.auto.commit=false} (the loop commits after
 *       handling), {@code max.partition.fetch.bytes=8 MiB} (several blob chunks per fetch).</li>
 * </ul>
 * Any of these can be overridden through {@code overrides}, which apply to every client.
 *
 * @param bootstrapServers {@code host:port[,host:port...]}
 * @param overrides        extra client properties (e.g. security settings); default none
 */
public record KafkaClients(String bootstrapServers, Map<String, Object> overrides) {
    /** The environment variable read when no bootstrap servers are configured. */
    public static final String BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP_SERVERS";
    /**
     * Prefix of environment variables that become client properties: {@code FEDPRUNE_KAFKA_SASL_MECHANISM=SCRAM-SHA-256}
     * is {@code sasl.mechanism=SCRAM-SHA-256} (lower-cased, {@code _} read as {@code .}; Kafka's client keys have no
     * other separator).
     */
    public static final String PROPERTY_ENV_PREFIX = "FEDPRUNE_KAFKA_";

    public KafkaClients {
        if (bootstrapServers == null || bootstrapServers.isBlank()) throw new IllegalArgumentException("bootstrapServers must not be blank");
        overrides = Map.copyOf(Objects.requireNonNull(overrides, "overrides"));
    }

    /** Clients for {@code bootstrapServers} without overrides. */
    public static KafkaClients of(String bootstrapServers) {
        return new KafkaClients(bootstrapServers, Map.of());
    }

    /**
     * The one place where every component (coordinator, agent, demo, broker launcher, benchmarks) turns its settings
     * into clients: the configured bootstrap servers or, when {@code bootstrap} is null or blank,
     * {@code KAFKA_BOOTSTRAP_SERVERS}; and any Kafka client properties (security above
     * all: {@code security.protocol}, {@code sasl.*}, {@code ssl.*}) from the {@code FEDPRUNE_KAFKA_*} environment
     * variables, overridden by {@code properties} (a component's own configuration: {@code fedprune.kafka.*},
     * {@code --kafka-config FILE}, {@code --kafka-property key=value}).
     *
     * @throws IllegalStateException if no bootstrap servers are configured or set in the environment
     */
    public static KafkaClients configure(String bootstrap, Map<String, String> properties) {
        Map<String, Object> merged = new TreeMap<>(propertiesFromEnv(System.getenv()));
        merged.putAll(properties);
        return new KafkaClients(resolveBootstrap(bootstrap, System.getenv(BOOTSTRAP_ENV)), merged);
    }

    /** Client properties named by {@code FEDPRUNE_KAFKA_*} variables of {@code env} (see {@link #PROPERTY_ENV_PREFIX}). */
    public static Map<String, String> propertiesFromEnv(Map<String, String> env) {
        Map<String, String> out = new TreeMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith(PROPERTY_ENV_PREFIX) && k.length() > PROPERTY_ENV_PREFIX.length())
                out.put(k.substring(PROPERTY_ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), v);
        });
        return out;
    }

    /**
     * Client properties from a Java properties file ({@code --kafka-config FILE}), then {@code key=value} pairs
     * ({@code --kafka-property}, which win).
     *
     * @throws IllegalArgumentException if the file cannot be read or a pair has no {@code =}
     */
    public static Map<String, String> properties(Path file, List<String> pairs) {
        Map<String, String> out = new TreeMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read Kafka client properties from " + file + ": " + e.getMessage());
            }
            p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
        }
        for (String pair : pairs == null ? List.<String>of() : pairs) {
            int eq = pair.indexOf('=');
            if (eq < 1) throw new IllegalArgumentException("Kafka property '" + pair + "' is not key=value");
            out.put(pair.substring(0, eq).trim(), pair.substring(eq + 1));
        }
        return out;
    }

    /** The same bootstrap servers with {@code more} properties on top of these overrides. */
    public KafkaClients with(Map<String, ?> more) {
        Map<String, Object> merged = new HashMap<>(overrides);
        merged.putAll(more);
        return new KafkaClients(bootstrapServers, merged);
    }

    static String resolveBootstrap(String configured, String env) {
        if (configured != null && !configured.isBlank()) return configured.trim();
        if (env != null && !env.isBlank()) return env.trim();
        throw new IllegalStateException("no Kafka bootstrap servers: configure them or set " + BOOTSTRAP_ENV + " (e.g. 127.0.0.1:9092)");
    }

    /** An idempotent producer with {@code acks=all}. */
    public Producer<byte[], byte[]> producer(String clientId) {
        Map<String, Object> p = base(clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20);
        p.putAll(overrides);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * A consumer in group {@code groupId}, or without a group (for {@code assign}) when {@code groupId} is null.
     */
    public Consumer<byte[], byte[]> consumer(String groupId, String clientId) {
        Map<String, Object> p = base(clientId);
        if (groupId != null) p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 << 20);
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        p.putAll(overrides);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Where {@link #assignAll} positions a consumer. */
    public enum Start { BEGINNING, END }

    /**
     * A consumer without a group, assigned every partition of {@code topic} and positioned as {@link #assignAll} does.
     *
     * @throws IllegalStateException if the topic does not exist (create it first with {@link Topics#ensureCreated})
     */
    public Consumer<byte[], byte[]> assignedConsumer(String topic, String clientId, Start start) {
        Consumer<byte[], byte[]> c = consumer(null, clientId);
        try {
            assignAll(c, topic, start);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * Assigns {@code consumer} (one without a group) every partition of {@code topic} and positions it at the
     * beginning, or at the current end, resolved now so that nothing published after this call is missed.
     *
     * @throws IllegalStateException if the topic does not exist (create it first with {@link Topics#ensureCreated})
     */
    public static void assignAll(Consumer<?, ?> consumer, String topic, Start start) {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (partitions == null || partitions.isEmpty())
            throw new IllegalStateException("topic '" + topic + "' does not exist; create the topics first (Topics.ensureCreated)");
        List<TopicPartition> tps = partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(tps);
        if (start == Start.BEGINNING) {
            consumer.seekToBeginning(tps);
        } else {
            consumer.seekToEnd(tps);
            for (TopicPartition tp : tps) consumer.position(tp);
        }
    }

    /** An admin client. */
    public Admin admin() {
        Map<String, Object> p = new HashMap<>(overrides);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return Admin.create(p);
    }

    private Map<String, Object> base(String clientId) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", bootstrapServers);
        if (clientId != null) p.put("client.id", clientId);
        return p;
    }
}
