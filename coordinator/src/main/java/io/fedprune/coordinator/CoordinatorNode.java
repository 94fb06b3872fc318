package io.fedprune.coordinator;

import io.fedprune.coordinator.round.KafkaRoundTransport;
import io.fedprune.kafka.BlobReader;
import io.fedprune.kafka.ConsumerLoop;
import io.fedprune.kafka.DeadLetters;
import io.fedprune.kafka.KafkaClients;
import io.fedprune.kafka.Publisher;
import io.fedprune.kafka.Topic;
import io.fedprune.kafka.Topics;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Decoded;
import io.fedprune.wire.DeploymentAck;
import io.fedprune.wire.DeviceHello;
import io.fedprune.wire.DeviceState;
import io.fedprune.wire.Envelope;
import io.fedprune.wire.Heartbeat;
import io.fedprune.wire.JobEvent;
import io.fedprune.wire.MessageType;
import io.fedprune.wire.WireCodec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A running coordinator without HTTP: Kafka clients (wire package), the {@link Coordinator} service, and the consumer
 * loops feeding it (devices, updates, deployment acks). On start it creates the topics, replays
 * {@code fedprune.jobs} and continues unfinished jobs. The Micronaut application wraps one; the sandbox demo can
 * start one in-process:
 * <pre>{@code
 * try (CoordinatorNode node = CoordinatorNode.start(CoordinatorConfig.defaults().withBootstrapServers(bootstrap))) {
 *     JobViews.JobView job = node.coordinator().submit(spec);
 * }
 * }</pre>
 */
public final class CoordinatorNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorNode.class);

    private final Coordinator coordinator;
    private final KafkaRoundTransport transport;
    private final Publisher publisher;
    private final BlobReader reader;
    private final List<ConsumerLoop> loops = new ArrayList<>();

    private CoordinatorNode(CoordinatorConfig config, Map<String, String> kafkaProperties) {
        KafkaClients clients = KafkaClients.configure(config.bootstrapServers(), kafkaProperties);
        Topics topics = Topics.defaults().withPrefix(config.topicPrefix())
                .withReplication(config.topicReplicationFactor(), config.topicMinInsyncReplicas());
        try (var admin = clients.admin()) {
            topics.ensureCreated(admin, Duration.ofSeconds(30));
        }
        WireCodec codec = WireCodec.standard();
        publisher = new Publisher(clients.producer("coordinator"), topics, codec);
        // update blobs are read once: a small cache keeps the coordinator's memory flat as the fleet grows
        BlobReader.Config rc = BlobReader.Config.defaults();
        reader = BlobReader.start(clients, topics, new BlobReader.Config(rc.pollTimeout(), 32L << 20, rc.maxIndexEntries(), config.maxBlobBytes()));
        transport = new KafkaRoundTransport(publisher, reader, codec, Duration.ofMillis(config.blobTimeoutMs()));
        ModelProvider models = new ModelProvider(Path.of(config.dataDir()), Path.of(config.workDir()),
                json -> transport.getBytes(fromJson(json)));
        coordinator = new Coordinator(config, transport, models, System::currentTimeMillis);
        DeadLetters deadLetters = new DeadLetters(publisher, KafkaRoundTransport.SENDER);

        if (config.resumeJobs()) replayJobs(clients, topics, codec);
        loops.add(ConsumerLoop.builder("coordinator-devices", assigned(clients, topics, Topic.DEVICES, "coordinator-devices"),
                        (env, rec) -> {
                            // the record's own time: replayed devices keep their last-seen times across a restart
                            if (env.body() instanceof DeviceHello h) coordinator.onDevice(h.profile(), DeviceState.IDLE, rec.timestamp());
                            else if (env.body() instanceof Heartbeat hb) coordinator.onDevice(hb.profile(), hb.state(), rec.timestamp());
                        })
                .accept(MessageType.DEVICE_HELLO, MessageType.HEARTBEAT).deadLetters(deadLetters).build().start());
        Consumer<byte[], byte[]> updates = clients.consumer("fedprune-coordinator" + config.topicPrefix(), "coordinator-updates");
        updates.subscribe(List.of(topics.name(Topic.UPDATES)));
        // devices send updates and deployment acks on the updates topic, the only one (with devices and blobs) they may write
        loops.add(ConsumerLoop.builder("coordinator-updates", updates,
                        (env, rec) -> {
                            if (env.body() instanceof DeploymentAck a) coordinator.onAck(env.jobId(), a);
                            // the blob is fetched asynchronously: a slow or missing blob never holds up the next update
                            else transport.receive(env, rec.key(), rec.value()).thenAccept(this::handOver);
                        })
                .accept(MessageType.UPDATE, MessageType.DEPLOYMENT_ACK).deadLetters(deadLetters).build().start());
        if (config.resumeJobs()) coordinator.resume();
    }

    private void handOver(io.fedprune.coordinator.round.ReceivedUpdate u) {
        try {
            coordinator.onUpdate(u);
        } catch (RuntimeException e) {
            LOG.error("update of {} for job {} could not be handed over", u.deviceId(), u.jobId(), e);
        }
    }

    /** Starts a coordinator node (blocks until the topics exist and the job log is replayed). */
    public static CoordinatorNode start(CoordinatorConfig config) {
        return start(config, Map.of());
    }

    /**
     * Starts a coordinator node whose Kafka clients take {@code kafkaProperties} (e.g. {@code security.protocol},
     * {@code sasl.*}) on top of the {@code FEDPRUNE_KAFKA_*} environment, see {@link KafkaClients#configure}.
     */
    public static CoordinatorNode start(CoordinatorConfig config, Map<String, String> kafkaProperties) {
        return new CoordinatorNode(config, kafkaProperties);
    }

    public Coordinator coordinator() {
        return coordinator;
    }

    public KafkaRoundTransport transport() {
        return transport;
    }

    /**
     * The names of the coordinator's reading threads that died (blob reader, consumer loops); empty while all run.
     * The health endpoint is DOWN when this is not empty.
     */
    public List<String> deadThreads() {
        List<String> dead = new ArrayList<>();
        if (!reader.alive()) dead.add("blob-reader");
        for (ConsumerLoop l : loops) if (!l.alive()) dead.add(l.name());
        return dead;
    }

    /** A consumer without group on every partition of a topic, from the beginning. */
    private static Consumer<byte[], byte[]> assigned(KafkaClients clients, Topics topics, Topic topic, String clientId) {
        return clients.assignedConsumer(topics.name(topic), clientId, KafkaClients.Start.BEGINNING);
    }

    /** Reads fedprune.jobs from the beginning to its current end into the coordinator. */
    private void replayJobs(KafkaClients clients, Topics topics, WireCodec codec) {
        try (Consumer<byte[], byte[]> c = assigned(clients, topics, Topic.JOBS, "coordinator-replay")) {
            Map<TopicPartition, Long> end = c.endOffsets(c.assignment());
            int events = 0;
            while (end.entrySet().stream().anyMatch(e -> c.position(e.getKey()) < e.getValue())) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    Decoded<Envelope> d = codec.decode(r.value());
                    if (d.isOk() && d.value().body() instanceof JobEvent e) {
                        coordinator.replay(d.value().jobId(), d.value().round(), e);
                        events++;
                    }
                }
            }
            LOG.info("replayed {} job events", events);
        }
    }

    static BlobRef fromJson(String json) {
        try {
            return Coordinator.JSON.readValue(json, BlobRef.class);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("bad model blob reference: " + e.getMessage());
        }
    }

    @Override
    public void close() throws Exception {
        coordinator.close();
        for (ConsumerLoop l : loops) l.close();
        transport.close();
        reader.close();
        publisher.close();
    }
}
