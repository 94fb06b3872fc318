package io.fedprune.agent;

import io.fedprune.Threads;
import io.fedprune.dpp.Masks;
import io.fedprune.kafka.BlobReader;
import io.fedprune.kafka.BlobWriter;
import io.fedprune.kafka.ConsumerLoop;
import io.fedprune.kafka.KafkaClients;
import io.fedprune.kafka.Publisher;
import io.fedprune.kafka.Topic;
import io.fedprune.kafka.Topics;
import io.fedprune.model.Graph;
import io.fedprune.model.Model;
import io.fedprune.onnx.OnnxImport;
import io.fedprune.model.ModelArch;
import io.fedprune.model.Tensor;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Budget;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.Decoded;
import io.fedprune.wire.Deployment;
import io.fedprune.wire.DeploymentAck;
import io.fedprune.wire.DeviceAssignment;
import io.fedprune.wire.DeviceHello;
import io.fedprune.wire.DeviceState;
import io.fedprune.wire.EncodedTensor;
import io.fedprune.wire.Envelope;
import io.fedprune.wire.Heartbeat;
import io.fedprune.wire.LayerSpec;
import io.fedprune.wire.MessageType;
import io.fedprune.wire.MessageVerifier;
import io.fedprune.wire.Signatures;
import io.fedprune.wire.RoundStart;
import io.fedprune.wire.JobCancel;
import io.fedprune.wire.TensorCodec;
import io.fedprune.wire.TensorEncoding;
import io.fedprune.wire.Timings;
import io.fedprune.wire.Update;
import io.fedprune.wire.WireCodec;
import org.apache.kafka.clients.consumer.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One set of Kafka clients shared by any number of {@link Agent}s in this JVM: one producer, one blob reader of the
 * coordinator's blobs topic (blobs cached by hash, so 200 agents fetch the model once; updates go to the uploads topic,
 * which agents write and never read), one consumer of round starts and one of deployments that
 * route to the agents concerned, a heartbeat timer and a small pool of training threads. Agents selected for a
 * round train one after the other on that pool (a round start whose deadline passed while queued is skipped).
 */
public final class AgentHub implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentHub.class);
    /** The longest {@link #close()} waits for the broker (goodbyes, records in flight). */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    /** The sender name of the coordinator's messages. */
    public static final String COORDINATOR = "coordinator";

    /**
     * Hub settings.
     *
     * @param bootstrapServers Kafka bootstrap servers; null = {@code KAFKA_BOOTSTRAP_SERVERS}
     * @param topicPrefix      topic name prefix; default empty
     * @param trainThreads     agents training at the same time; default 1
     * @param heartbeatMs      heartbeat period; default 5000
     * @param blobTimeoutMs    how long to wait for a blob; default 60000
     * @param kafkaProperties  Kafka client properties (security settings) on top of the {@code FEDPRUNE_KAFKA_*}
     *                         environment, see {@link KafkaClients#configure}; default none
     */
    public record Config(String bootstrapServers, String topicPrefix, int trainThreads, long heartbeatMs, long blobTimeoutMs,
                         Map<String, String> kafkaProperties) {
        public Config {
            topicPrefix = topicPrefix == null ? "" : topicPrefix;
            kafkaProperties = Map.copyOf(kafkaProperties == null ? Map.of() : kafkaProperties);
            if (trainThreads < 1) throw new IllegalArgumentException("trainThreads must be >= 1, was " + trainThreads);
            if (heartbeatMs < 10) throw new IllegalArgumentException("heartbeatMs must be >= 10, was " + heartbeatMs);
            if (blobTimeoutMs < 1) throw new IllegalArgumentException("blobTimeoutMs must be >= 1, was " + blobTimeoutMs);
        }

        public static Config defaults(String bootstrapServers) {
            return new Config(bootstrapServers, "", 1, 5000, 60_000, Map.of());
        }

        public Config withTopicPrefix(String p) {
            return new Config(bootstrapServers, p, trainThreads, heartbeatMs, blobTimeoutMs, kafkaProperties);
        }

        public Config withTrainThreads(int t) {
            return new Config(bootstrapServers, topicPrefix, t, heartbeatMs, blobTimeoutMs, kafkaProperties);
        }

        public Config withHeartbeatMs(long ms) {
            return new Config(bootstrapServers, topicPrefix, trainThreads, ms, blobTimeoutMs, kafkaProperties);
        }

        public Config withKafkaProperties(Map<String, String> p) {
            return new Config(bootstrapServers, topicPrefix, trainThreads, heartbeatMs, blobTimeoutMs, p);
        }
    }

    private final Config config;
    private final WireCodec codec = WireCodec.standard();
    private final Publisher publisher;
    private final BlobWriter blobs;
    private final BlobReader reader;
    private final List<ConsumerLoop> loops = new ArrayList<>();
    private final Map<String, Agent> agents = new ConcurrentHashMap<>();
    private final Map<String, DeviceState> states = new ConcurrentHashMap<>();
    private final Map<String, Model> models = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Model> e) {
            return size() > 2;
        }
    };
    /** The model of every job whose round starts this hub saw (its tiers' artifacts are read with its graph). */
    private final Map<String, RoundStart> jobModels = new ConcurrentHashMap<>();
    private final ExecutorService trainers;
    private volatile java.util.function.Consumer<String> activity = line -> {
    };
    private final ExecutorService deployers = Executors.newSingleThreadExecutor(Threads.daemon("fedprune-agent-deploy"));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Threads.daemon("fedprune-agent-heartbeat"));
    private final AtomicLong uplinkBytes = new AtomicLong();
    private final AtomicLong trainMillis = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong stoppedByCancel = new AtomicLong();
    /** Jobs the coordinator cancelled (its signed {@link JobCancel}): their rounds are not trained. */
    private final Set<String> cancelledJobs = ConcurrentHashMap.newKeySet();
    private final Enrolment enrolment;
    private final Map<String, PrivateKey> signingKeys = new ConcurrentHashMap<>();
    private volatile PublicKey coordinatorKey;
    /** Only the coordinator's signed round starts and deployments are used (its key comes with the enrolment). */
    private final MessageVerifier coordinatorSigned = new MessageVerifier(
            sender -> sender.equals(COORDINATOR) && coordinatorKey != null ? new MessageVerifier.KeyStatus(coordinatorKey, false) : null, 10_000);

    private AgentHub(Config config, Enrolment enrolment) {
        this.config = config;
        this.enrolment = java.util.Objects.requireNonNull(enrolment, "enrolment");
        KafkaClients clients = KafkaClients.configure(config.bootstrapServers(), config.kafkaProperties());
        Topics topics = Topics.defaults().withPrefix(config.topicPrefix());
        try (var admin = clients.admin()) {
            topics.ensureCreated(admin, Duration.ofSeconds(30));
        }
        publisher = new Publisher(clients.producer("agents"), topics, codec, this::sign);
        blobs = new BlobWriter(publisher, Topic.UPLOADS, "agents");
        reader = BlobReader.start(clients, topics, Topic.BLOBS, BlobReader.Config.defaults());
        // agents do not dead-letter what they refuse (in the secured setup they may not write that topic): they log and count it
        trainers = Executors.newFixedThreadPool(config.trainThreads(), Threads.daemon("fedprune-agent-train"));
        loops.add(ConsumerLoop.builder("agent-rounds", fromEnd(clients, topics, Topic.ROUNDS, "agent-rounds"),
                        (env, rec) -> {
                            if (env.body() instanceof JobCancel c) onCancel(env.jobId(), c);
                            else onRoundStart(env);
                        }).accept(MessageType.ROUND_START, MessageType.JOB_CANCEL).verify(coordinatorSigned).onReject(this::refused).build().start());
        loops.add(ConsumerLoop.builder("agent-deployments", fromEnd(clients, topics, Topic.DEPLOYMENTS, "agent-deployments"),
                        (env, rec) -> {
                            if (env.body() instanceof Deployment d) deployers.submit(() -> onDeployment(env.jobId(), d));
                        })
                .accept(MessageType.DEPLOYMENT).verify(coordinatorSigned).onReject(this::refused).build().start());
        timer.scheduleAtFixedRate(this::heartbeats, config.heartbeatMs(), config.heartbeatMs(), TimeUnit.MILLISECONDS);
    }

    private static String budgetText(Budget b) {
        return (b.keep() > 0 ? "keep " + b.keep() : "") + (b.kPerLayer().isEmpty() ? "" : (b.keep() > 0 ? ", " : "") + "k " + b.kPerLayer());
    }

    /** Tells {@code listener} what the agents do, one line at a time: training and its epochs, updates, deployments. */
    public AgentHub onActivity(java.util.function.Consumer<String> listener) {
        this.activity = listener;
        return this;
    }

    /**
     * Connects to the broker, creates the topics if needed and starts listening; agents are enrolled through
     * {@code enrolment} as they are added.
     */
    public static AgentHub start(Config config, Enrolment enrolment) {
        return new AgentHub(config, enrolment);
    }

    /** Adds an agent with a fresh key pair (see {@link #add(Agent, KeyPair)}). */
    public void add(Agent agent) {
        add(agent, Signatures.generate());
    }

    /**
     * Adds an agent: enrols its public key (learning the coordinator's), then it says hello and heartbeats from then
     * on; everything it sends is signed with {@code keys}, and round starts and deployments count only if the
     * coordinator signed them.
     *
     * @throws IllegalStateException if the enrolment fails
     */
    public void add(Agent agent, KeyPair keys) {
        PublicKey coordinator;
        try {
            coordinator = enrolment.enrol(agent.id(), keys.getPublic());
        } catch (Exception e) {
            throw new IllegalStateException("enrolment of " + agent.id() + " failed: " + e.getMessage(), e);
        }
        PublicKey known = coordinatorKey;
        if (known != null && !known.equals(coordinator))
            throw new IllegalStateException("enrolment of " + agent.id() + " returned another coordinator key than earlier agents");
        coordinatorKey = coordinator;
        if (agents.putIfAbsent(agent.id(), agent) != null) throw new IllegalArgumentException("device " + agent.id() + " already added");
        signingKeys.put(agent.id(), keys.getPrivate());
        states.put(agent.id(), DeviceState.IDLE);
        publisher.publish(Topic.DEVICES, agent.id(), Envelope.of(agent.id(), new DeviceHello(agent.profile()))).join();
    }

    /** Removes an agent, announcing that it leaves. */
    public void remove(String deviceId) {
        Agent a = agents.remove(deviceId);
        if (a != null) publisher.publish(Topic.DEVICES, deviceId, Envelope.of(deviceId, new Heartbeat(a.profile(), DeviceState.LEAVING))).join();
        signingKeys.remove(deviceId);
    }

    public Map<String, Agent> agents() {
        return Map.copyOf(agents);
    }

    /** Update bytes sent so far (records and blobs). */
    public long uplinkBytes() {
        return uplinkBytes.get();
    }

    /** Milliseconds spent in local training by all agents of this hub so far (summed over agents). */
    public long trainMillis() {
        return trainMillis.get();
    }

    /** Signs what an agent of this hub sends (blob chunks are pinned by the SHA-256 in the signed message instead). */
    private Envelope sign(Envelope e) {
        return Signatures.signForSending(e, signingKeys.get(e.sender()));
    }

    private void heartbeats() {
        for (Agent a : agents.values()) {
            try {
                publisher.publish(Topic.DEVICES, a.id(), Envelope.of(a.id(), new Heartbeat(a.profile(), states.getOrDefault(a.id(), DeviceState.IDLE))));
            } catch (RuntimeException e) {
                LOG.warn("heartbeat of {} failed: {}", a.id(), e.getMessage());
            }
        }
    }

    private void onRoundStart(Envelope env) {
        RoundStart rs = (RoundStart) env.body();
        jobModels.put(env.jobId(), rs);
        for (DeviceAssignment a : rs.assignments()) {
            Agent agent = agents.get(a.deviceId());
            if (agent != null) trainers.submit(() -> trainAndUpload(agent, env, rs, a));
        }
    }

    /** The coordinator cancelled a job: queued rounds of it are skipped, a training of it stops after its epoch. */
    private void onCancel(String jobId, JobCancel c) {
        if (!cancelledJobs.add(jobId)) return;
        LOG.info("job {} cancelled by the coordinator ({}): its rounds are not trained", jobId, c.reason());
        activity.accept("job " + jobId + " cancelled by the coordinator: agents stop training it");
    }

    private void trainAndUpload(Agent agent, Envelope env, RoundStart rs, DeviceAssignment a) {
        if (cancelledJobs.contains(env.jobId())) {
            LOG.info("{}: round {} of {} skipped, the job was cancelled", agent.id(), env.round(), env.jobId());
            stoppedByCancel.incrementAndGet();
            return;
        }
        if (System.currentTimeMillis() > rs.deadlineMs()) {
            LOG.info("{}: round {} of {} skipped, its deadline passed", agent.id(), env.round(), env.jobId());
            return;
        }
        states.put(agent.id(), DeviceState.TRAINING);
        try {
            long t0 = System.nanoTime();
            Model model = model(rs.modelArchitecture(), rs.model());
            java.util.Optional<String> refused = agent.refuses(model);
            if (refused.isPresent()) {
                LOG.warn("{}: round {} of {} refused: {}", agent.id(), env.round(), env.jobId(), refused.get());
                activity.accept(agent.id() + ": round " + env.round() + " of " + env.jobId() + " refused: " + refused.get());
                return;
            }
            List<Tensor> global = rs.globalLogits() == null ? null : tensors(rs.globalLogits());
            long fetchMs = (System.nanoTime() - t0) / 1_000_000;
            activity.accept(String.format(java.util.Locale.ROOT, "%s: round %d of %s: training %d epoch%s on %d images", agent.id(),
                    env.round(), env.jobId(), rs.config().localEpochs(), rs.config().localEpochs() == 1 ? "" : "s", agent.settings().train().n()));
            Agent.Trained t = agent.train(rs, a, model, global, p -> {
                activity.accept(String.format(java.util.Locale.ROOT, "%s: round %d of %s: epoch %d/%d done, loss %.4f (%.1f s)",
                        agent.id(), env.round(), env.jobId(), p.epoch(), p.epochs(), p.loss(), p.elapsedMillis() / 1e3));
                if (cancelledJobs.contains(env.jobId()))
                    throw new CancellationException("job cancelled by the coordinator after epoch " + p.epoch() + " of " + p.epochs());
            });
            long t1 = System.nanoTime();
            TensorEncoding enc = rs.config().updateEncoding();
            List<EncodedTensor> encoded = TensorCodec.encodeUpdate(enc == TensorEncoding.MASK ? topKMasks(t) : t.logits(), rs.config());
            byte[] payload = codec.encodeTensors(encoded);
            long encodeMs = (System.nanoTime() - t1) / 1_000_000;
            long t2 = System.nanoTime();
            BlobRef ref = blobs.write("d-" + agent.id() + "-" + Blobs.newBlobId(), payload, Blobs.TENSORS);
            Update u = new Update(agent.id(), t.kUsed(), ref, List.of(), enc, agent.settings().train().n(), t.metrics(),
                    new Timings(fetchMs, t.trainMs(), encodeMs, (System.nanoTime() - t2) / 1_000_000), env.round() - 1,
                    TensorCodec.bitsPerParameter(encoded), new byte[0]);
            Envelope out = Envelope.of(env.jobId(), env.round(), agent.id(), u);
            uplinkBytes.addAndGet(payload.length + codec.encode(out).length);
            trainMillis.addAndGet(t.trainMs());
            publisher.publish(Topic.UPDATES, env.jobId(), out).join();
            LOG.info("{}: round {} of {} uploaded (train {} ms, accuracy {} -> {})", agent.id(), env.round(), env.jobId(),
                    t.trainMs(), String.format("%.4f", t.metrics().accuracyBefore()), String.format("%.4f", t.metrics().accuracyAfter()));
            activity.accept(String.format(java.util.Locale.ROOT, "%s: round %d of %s: update sent (%d bytes; local accuracy %.2f%% -> %.2f%%)",
                    agent.id(), env.round(), env.jobId(), payload.length, 100 * t.metrics().accuracyBefore(), 100 * t.metrics().accuracyAfter()));
        } catch (CancellationException e) {
            stoppedByCancel.incrementAndGet();
            LOG.info("{}: round {} of {} stopped: {}", agent.id(), env.round(), env.jobId(), e.getMessage());
            activity.accept(agent.id() + ": round " + env.round() + " of " + env.jobId() + " stopped: " + e.getMessage());
        } catch (Exception e) {
            LOG.warn("{}: round {} of {} failed: {}", agent.id(), env.round(), env.jobId(), e.toString());
        } finally {
            states.put(agent.id(), DeviceState.IDLE);
        }
    }

    /** The device's own top-k mask of each layer's trained logits (what it sends with {@link TensorEncoding#MASK}). */
    static List<Tensor> topKMasks(Agent.Trained t) {
        List<Tensor> out = new ArrayList<>();
        for (int l = 0; l < t.logits().size(); l++) {
            Tensor x = t.logits().get(l);
            LayerSpec s = t.kUsed().get(l);
            out.add(new Tensor(x.name(), x.shape(), Masks.topKRows(x.data(), s.n(), s.k())));
        }
        return out;
    }

    private void onDeployment(String jobId, Deployment d) {
        byte[] artifact = null;
        String fetchError = null;
        for (Agent agent : agents.values()) {
            if (!agent.fits(d)) {
                activity.accept(String.format(java.util.Locale.ROOT, "%s: tier %s of %s (keep %s, k %s) does not fit its budget %s: not applied",
                        agent.id(), d.tier(), jobId, d.keep(), d.layers().stream().map(l -> l.layer() + "=" + l.k()).toList(),
                        budgetText(agent.settings().budget())));
                continue;
            }
            if (artifact == null && fetchError == null) {
                try {
                    artifact = reader.fetch(d.masks(), Duration.ofMillis(config.blobTimeoutMs()));
                } catch (RuntimeException e) {
                    fetchError = "artifact not fetched: " + e.getMessage();
                }
            }
            var previous = agent.applied(jobId);
            var ack = artifact == null ? java.util.Optional.of(DeploymentAck.failed(agent.id(), d.tier(), fetchError))
                    : agent.deploy(jobId, d, artifact, graph(jobId));
            if (ack.isEmpty()) continue;
            DeploymentAck a = ack.get();
            if (a.applied())
                LOG.info("{}: applied {} of {}: local accuracy {}, {} parameter bytes, {} us per inference", agent.id(), d.tier(), jobId,
                        String.format("%.4f", a.localAccuracy()), a.parameterBytes(), String.format("%.1f", a.latencyMicros()));
            else
                LOG.warn("{}: refused {} of {}: {}; keeps {}", agent.id(), d.tier(), jobId, a.error(),
                        previous.map(p -> "tier " + p.tier()).orElse("no tier of this job"));
            activity.accept(a.applied()
                    ? String.format(java.util.Locale.ROOT, "%s: applied tier %s of %s: local accuracy %.2f%% on %d images, %.1f us per inference",
                            agent.id(), d.tier(), jobId, 100 * a.localAccuracy(), a.evalSamples(), a.latencyMicros())
                    : agent.id() + ": tier " + d.tier() + " of " + jobId + " not applied: " + a.error());
            try {
                publisher.publish(Topic.UPDATES, jobId, Envelope.of(jobId, 0, agent.id(), a)).join();
            } catch (RuntimeException e) {
                LOG.warn("{}: ack of {} of {} not sent: {}", agent.id(), d.tier(), jobId, e.toString());
            }
        }
    }

    /** Records a message the hub's loops refused (not decodable, wrong type, or not signed by the coordinator). */
    private void refused(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record, io.fedprune.wire.Rejection why) {
        refused.incrementAndGet();
        LOG.warn("refused {}@{}:{}: {}", record.topic(), record.partition(), record.offset(), why);
    }

    /** Trainings skipped or stopped because their job was cancelled (summed over agents). */
    public long stoppedByCancel() {
        return stoppedByCancel.get();
    }

    /** Round starts and deployments refused so far (undecodable, wrong type, or not signed by the coordinator). */
    public long refused() {
        return refused.get();
    }

    /**
     * The model of a round start, fetched once per content: an imported model's ONNX file ({@link Blobs#ONNX},
     * imported here: an operator this agent does not run fails it), or a built-in's weights.
     */
    private synchronized Model model(String arch, BlobRef ref) {
        Model m = models.get(ref.sha256());
        if (m == null) {
            m = Blobs.ONNX.equals(ref.contentType())
                    ? OnnxImport.read(reader.fetch(ref, Duration.ofMillis(config.blobTimeoutMs())), arch)
                    : Model.fromTensors(ModelArch.parse(arch).graph(), tensors(ref));
            models.put(ref.sha256(), m);
        }
        return m;
    }

    /** The graph of a job's imported model (null for a built-in, or a job whose round starts this hub did not see). */
    private Graph graph(String jobId) {
        RoundStart rs = jobModels.get(jobId);
        if (rs == null || !Blobs.ONNX.equals(rs.model().contentType())) return null;
        return model(rs.modelArchitecture(), rs.model()).graph();
    }

    private List<Tensor> tensors(BlobRef ref) {
        byte[] bytes = reader.fetch(ref, Duration.ofMillis(config.blobTimeoutMs()));
        Decoded<List<EncodedTensor>> d = codec.decodeTensors(bytes);
        return TensorCodec.decodeAll(d.value());
    }

    /** A consumer without group on every partition of a topic, positioned at its current end. */
    private static Consumer<byte[], byte[]> fromEnd(KafkaClients clients, Topics topics, Topic topic, String clientId) {
        return clients.assignedConsumer(topics.name(topic), clientId, KafkaClients.Start.END);
    }

    /** Says goodbye for every agent and stops the clients. */
    @Override
    public void close() {
        timer.shutdownNow();
        trainers.shutdownNow();
        deployers.shutdownNow();
        // goodbyes and the producer's close wait a bounded time: SIGTERM must not hang while the broker is down
        // (a send blocks up to max.block.ms for metadata, an unacknowledged record until delivery.timeout.ms)
        CompletableFuture<Void> goodbyes = CompletableFuture.runAsync(() -> {
            for (String id : List.copyOf(agents.keySet())) {
                try {
                    remove(id);
                } catch (RuntimeException e) {
                    LOG.debug("goodbye of {} failed: {}", id, e.getMessage());
                }
            }
        }, r -> Threads.daemon("fedprune-agent-goodbye").newThread(r).start());
        try {
            goodbyes.get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("goodbyes not acknowledged within {} (broker unreachable?): leaving without them", CLOSE_WAIT);
        }
        for (ConsumerLoop l : loops) l.close();
        reader.close();
        publisher.close(CLOSE_WAIT);
    }
}
