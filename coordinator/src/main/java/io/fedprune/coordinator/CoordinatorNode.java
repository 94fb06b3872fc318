package io.fedprune.coordinator;

import io.fedprune.coordinator.fleet.CoordinatorKey;
import io.fedprune.coordinator.fleet.DeviceKeys;
import io.fedprune.coordinator.round.KafkaRoundTransport;
import io.fedprune.coordinator.round.RoundMeters;
import io.fedprune.wire.MessageVerifier;
import io.fedprune.wire.Signatures;
import io.fedprune.kafka.BlobReader;
import io.fedprune.kafka.ConsumerLoop;
import io.fedprune.kafka.DeadLetters;
import io.fedprune.kafka.KafkaClients;
import io.fedprune.kafka.Publisher;
import io.fedprune.kafka.Topic;
import io.fedprune.kafka.Topics;
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
import java.security.KeyPair;
import java.security.PublicKey;
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
 * try (CoordinatorNode node = CoordinatorNode.start(CoordinatorConfig.builder().bootstrapServers(bootstrap).build())) {
 *     JobViews.JobView job = node.coordinator().submit(spec);
 * }
 * }</pre>
 */
public final class CoordinatorNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorNode.class);

    private final Coordinator coordinator;
    private final KafkaRoundTransport transport;
    private final RoundMeters meters;
    private final Publisher publisher;
    private final BlobReader reader;
    private final BlobReader uploads;
    private final List<ConsumerLoop> loops = new ArrayList<>();
    /** The coordinator's signing key pair, under the work directory. */
    public static final String COORDINATOR_KEY_FILE = "coordinator-key.properties";
    /** The devices' enrolled keys (also the operator's key list), under the work directory. */
    public static final String DEVICE_KEYS_FILE = "device-keys.json";
    private final KeyPair identity;
    private final DeviceKeys deviceKeys;
    private final KafkaClients clients;
    private final Topics topics;
    private final WireCodec codec;
    private final CoordinatorConfig config;
    private final MessageVerifier devicesSigned;
    private final DeadLetters deadLetters;
    private final FailoverConfig failover;
    /** Null unless failover is on. */
    private final Leadership leadership;
    /** Updates and acks: consumed while this coordinator leads. */
    private volatile ConsumerLoop updatesLoop;

    private CoordinatorNode(CoordinatorConfig config, Map<String, String> kafkaProperties, FailoverConfig failover, RoundMeters meters) {
        this.config = config;
        this.meters = meters;
        this.failover = failover;
        clients = KafkaClients.configure(config.bootstrapServers(), kafkaProperties);
        topics = Topics.defaults().withPrefix(config.topicPrefix())
                .withReplication(config.topicReplicationFactor(), config.topicMinInsyncReplicas());
        try (var admin = clients.admin()) {
            topics.ensureCreated(admin, Duration.ofSeconds(30));
        }
        codec = WireCodec.standard();
        Path work = Path.of(config.workDir());
        identity = CoordinatorKey.loadOrCreate(work.resolve(COORDINATOR_KEY_FILE));
        deviceKeys = new DeviceKeys(work.resolve(DEVICE_KEYS_FILE));
        // everything the coordinator sends is signed (blob chunks are pinned by the SHA-256 in the signed message)
        publisher = new Publisher(clients.producer("coordinator"), topics, codec,
                e -> Signatures.signForSending(e, identity.getPrivate()));
        // every device message is checked before anything uses it: signed by the device's enrolled key, not replayed
        devicesSigned = new MessageVerifier(deviceKeys, 200_000);
        // devices' update blobs (the uploads topic) are read once: a small cache keeps the coordinator's memory flat as
        // the fleet grows; its own blobs (models, masks: the blobs topic) are read back only when a job resumes or deploys
        BlobReader.Config rc = BlobReader.Config.defaults();
        BlobReader.Config small = new BlobReader.Config(rc.pollTimeout(), 32L << 20, rc.maxIndexEntries(), config.maxBlobBytes(), rc.recentBytes());
        reader = BlobReader.start(clients, topics, Topic.BLOBS, small);
        uploads = BlobReader.start(clients, topics, Topic.UPLOADS, small);
        transport = new KafkaRoundTransport(publisher, reader, uploads, codec, Duration.ofMillis(config.blobTimeoutMs()), meters);
        ModelProvider models = new ModelProvider(Path.of(config.dataDir()), Path.of(config.workDir()),
                transport::getBytes, config.validationSamples());
        coordinator = new Coordinator(config, transport, models, System::currentTimeMillis, meters);
        deadLetters = new DeadLetters(publisher, KafkaRoundTransport.SENDER);

        replayJobs(clients, topics, codec);   // history is listed with or without resume-jobs
        if (!config.resumeJobs()) coordinator.notResumed();
        loops.add(ConsumerLoop.builder("coordinator-devices", assigned(clients, topics, Topic.DEVICES, "coordinator-devices"),
                        (env, rec) -> {
                            // the record's own time: replayed devices keep their last-seen times across a restart
                            if (env.body() instanceof DeviceHello h) coordinator.onDevice(h.profile(), DeviceState.IDLE, rec.timestamp());
                            else if (env.body() instanceof Heartbeat hb) coordinator.onDevice(hb.profile(), hb.state(), rec.timestamp());
                        })
                .accept(MessageType.DEVICE_HELLO, MessageType.HEARTBEAT).verify(devicesSigned).deadLetters(deadLetters).build().start());
        if (!failover.enabled()) {
            lead(false);
            leadership = null;
        } else {
            coordinator.standBy();
            LOG.info("failover on: this coordinator is a standby until it is elected leader");
            leadership = new Leadership(clients, topics.name(Topic.JOBS), "fedprune-coordinators" + config.topicPrefix(), failover,
                    new Leadership.Listener() {
                        @Override
                        public void elected() {
                            lead(true);
                        }

                        @Override
                        public void deposed() {
                            standBy();
                        }
                    });
        }
    }

    /**
     * Starts leading: (after an election, first reads the device keys and the job log again: the former leader went on
     * enrolling devices and writing the log) takes updates and continues the unfinished jobs.
     */
    private synchronized void lead(boolean elected) {
        if (elected) {
            deviceKeys.reload();
            replayJobs(clients, topics, codec);
        }
        coordinator.lead();
        // with failover, a dead leader's updates consumer must leave the group as soon as its leadership does
        KafkaClients c = failover.enabled() ? clients.with(Map.of(org.apache.kafka.clients.consumer.ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
                (int) failover.sessionTimeoutMs())) : clients;
        Consumer<byte[], byte[]> updates = c.consumer("fedprune-coordinator" + config.topicPrefix(), "coordinator-updates");
        updates.subscribe(List.of(topics.name(Topic.UPDATES)));
        // devices send updates and deployment acks on the updates topic, the only one (with devices and uploads) they may write
        updatesLoop = ConsumerLoop.builder("coordinator-updates", updates,
                        (env, rec) -> {
                            if (env.body() instanceof DeploymentAck a) coordinator.onAck(env.jobId(), a);
                            // the blob is fetched asynchronously: a slow or missing blob never holds up the next update
                            else transport.receive(env, rec.key(), rec.value()).thenAccept(this::handOver);
                        })
                .accept(MessageType.UPDATE, MessageType.DEPLOYMENT_ACK).verify(devicesSigned).deadLetters(deadLetters).build().start();
        if (config.resumeJobs()) coordinator.resume();
    }

    /** Stops leading: the jobs stop here (they stay RUNNING in the log), updates are left to the new leader. */
    private synchronized void standBy() {
        coordinator.standBy();
        ConsumerLoop u = updatesLoop;
        updatesLoop = null;
        if (u != null) u.close();
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
        return start(config, kafkaProperties, FailoverConfig.OFF);
    }

    /**
     * Starts a coordinator node that, with {@code failover} on, is a standby until it is elected leader (see
     * {@link FailoverConfig}); it returns without waiting for the election.
     */
    public static CoordinatorNode start(CoordinatorConfig config, Map<String, String> kafkaProperties, FailoverConfig failover) {
        return start(config, kafkaProperties, failover, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    /** {@link #start(CoordinatorConfig, Map, FailoverConfig)} with the round loop's timers ({@link RoundMeters}) in {@code registry}. */
    public static CoordinatorNode start(CoordinatorConfig config, Map<String, String> kafkaProperties, FailoverConfig failover,
                                        io.micrometer.core.instrument.MeterRegistry registry) {
        return new CoordinatorNode(config, kafkaProperties, failover, new RoundMeters(registry));
    }

    /** The round loop's timers. */
    public RoundMeters meters() {
        return meters;
    }

    /** Whether this node runs the jobs (always without failover). */
    public boolean leading() {
        return coordinator.leading();
    }

    public Coordinator coordinator() {
        return coordinator;
    }

    /** The public key devices check round starts and deployments against. */
    public PublicKey coordinatorKey() {
        return identity.getPublic();
    }

    /** The devices' enrolled keys. */
    public DeviceKeys deviceKeys() {
        return deviceKeys;
    }

    /**
     * Enrols {@code deviceId} with {@code key} on the operator's authority (an in-process fleet: the sandbox, tests),
     * replacing any earlier key; returns the coordinator's public key. Devices outside this process enrol through the
     * API with a one-time token, which never replaces a key.
     */
    public PublicKey enrol(String deviceId, PublicKey key) {
        deviceKeys.enrol(deviceId, key, true);
        return identity.getPublic();
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
        if (!uploads.alive()) dead.add("upload-reader");
        for (ConsumerLoop l : loops) if (!l.alive()) dead.add(l.name());
        ConsumerLoop u = updatesLoop;
        if (u != null && !u.alive()) dead.add(u.name());
        if (leadership != null && !leadership.alive()) dead.add("leadership");
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
                        coordinator.replay(d.value().jobId(), d.value().round(), e, r.timestamp());
                        events++;
                    }
                }
            }
            LOG.info("replayed {} job events", events);
        }
    }

    @Override
    public void close() throws Exception {
        if (leadership != null) leadership.close();
        coordinator.close();
        ConsumerLoop u = updatesLoop;
        if (u != null) u.close();
        for (ConsumerLoop l : loops) l.close();
        transport.close();
        reader.close();
        uploads.close();
        publisher.close();
    }
}
