package io.fedprune.bench;

import io.fedprune.kafka.BlobReader;
import io.fedprune.kafka.ConsumerLoop;
import io.fedprune.kafka.KafkaClients;
import io.fedprune.kafka.Publisher;
import io.fedprune.kafka.Topic;
import io.fedprune.kafka.Topics;
import io.fedprune.model.Tensor;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.Budget;
import io.fedprune.wire.DeviceAssignment;
import io.fedprune.wire.DeviceHello;
import io.fedprune.wire.DeviceProfile;
import io.fedprune.wire.DeviceState;
import io.fedprune.wire.Envelope;
import io.fedprune.wire.Heartbeat;
import io.fedprune.wire.LocalMetrics;
import io.fedprune.wire.MessageType;
import io.fedprune.wire.RoundStart;
import io.fedprune.wire.Signatures;
import io.fedprune.wire.TensorCodec;
import io.fedprune.wire.TensorEncoding;
import io.fedprune.wire.Timings;
import io.fedprune.wire.Update;
import io.fedprune.wire.WireCodec;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * A fleet of devices whose training is stubbed to a fixed cost, so that a benchmark measures only the system: like
 * {@code AgentHub} the devices share one blob reader and one consumer of round starts; they send through
 * {@link #CONNECTIONS} producers (device i through producer i mod {@link #CONNECTIONS}), because real devices each have a
 * connection of their own and a broker handles one request of a connection at a time: one shared producer would queue
 * every device's upload behind the others' on a single connection, a delay no real fleet has; on a round start
 * they fetch its global logits (once for all), "train" for exactly {@code trainMs} (meanwhile each prepares its update:
 * the global logits plus seeded noise, encoded as the round asks, chunked, hashed and signed) and then upload it
 * (blob chunks, then the signed update) all at once, as real devices finishing together would. Each device says hello
 * and heartbeats as often as an agent does by default; every message it sends is signed with its own key.
 */
final class StubFleet implements AutoCloseable {
    /** When one round reached the devices: the round start's record time, and when the devices had its logits. */
    record Arrival(int round, long publishedMs, long trainStartMs, long trainStartNanos) {
    }

    /** The agents' default heartbeat period (every heartbeat is signed, and verified by the coordinator). */
    static final long HEARTBEAT_MS = io.fedprune.agent.AgentHub.Config.defaults(null).heartbeatMs();
    private final WireCodec codec = WireCodec.standard();
    private final Topics topics;
    /** Producers the devices send through (each its own connection to the broker). */
    static final int CONNECTIONS = 8;
    private final List<Publisher> publishers = new ArrayList<>();
    private final Map<String, Publisher> publisherOf = new ConcurrentHashMap<>();
    private final BlobReader reader;
    private final ConsumerLoop rounds;
    private final long trainMs;
    private final Map<String, PrivateKey> keys = new ConcurrentHashMap<>();
    private final Map<String, DeviceProfile> profiles = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();   // stopped by close()
    private final ExecutorService workers = Executors.newFixedThreadPool(2);
    /** Sends what follows an acknowledgement (not the workers: they may be busy preparing later updates). */
    private final ExecutorService sender = Executors.newSingleThreadExecutor();
    private final java.util.function.Consumer<Arrival> onArrival;
    private final java.util.concurrent.atomic.AtomicLong latePreparations = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong failedUploads = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param enrol     enrols a device's public key with the coordinator (returns the coordinator's key)
     * @param onArrival hears of each round start once the devices have its logits (on the fleet's consumer thread)
     */
    StubFleet(KafkaClients clients, Topics topics, int devices, long trainMs, long samples, BiFunction<String, PublicKey, PublicKey> enrol,
              java.util.function.Consumer<Arrival> onArrival) {
        this.topics = topics;
        this.trainMs = trainMs;
        this.onArrival = onArrival;
        // room for their devices' updates at once (each stands for many devices' producers), instead of the default 32 MiB
        for (int i = 0; i < Math.min(devices, CONNECTIONS); i++)
            publishers.add(new Publisher(clients.with(Map.of("buffer.memory", String.valueOf((1L << 30) / CONNECTIONS))).producer("stub-fleet-" + i),
                    topics, codec, e -> Signatures.signForSending(e, keys.get(e.sender()))));
        reader = BlobReader.start(clients, topics, Topic.BLOBS, BlobReader.Config.defaults());
        double[] budgets = {0.05, 0.1, 0.25};
        for (int i = 0; i < devices; i++) {
            String id = String.format("stub-%03d", i);
            KeyPair kp = Signatures.generate();
            enrol.apply(id, kp.getPublic());
            keys.put(id, kp.getPrivate());
            DeviceProfile p = new DeviceProfile(id, Budget.ofKeep(budgets[i % budgets.length]), samples, List.of(), "stub");
            profiles.put(id, p);
            publisherOf.put(id, publishers.get(i % publishers.size()));
            publisherOf.get(id).publish(Topic.DEVICES, id, Envelope.of(id, new DeviceHello(p))).join();
        }
        timer.scheduleAtFixedRate(() -> profiles.forEach((id, p) -> publisherOf.get(id).publish(Topic.DEVICES, id, Envelope.of(id, new Heartbeat(p, DeviceState.IDLE)))),
                HEARTBEAT_MS, HEARTBEAT_MS, TimeUnit.MILLISECONDS);
        var consumer = clients.assignedConsumer(topics.name(Topic.ROUNDS), "stub-fleet-rounds", KafkaClients.Start.END);
        for (var tp : consumer.assignment()) consumer.position(tp);   // the end now, not at the first poll: no round start is missed
        rounds = ConsumerLoop.builder("stub-fleet-rounds", consumer, (env, rec) -> onRoundStart(env, rec.timestamp()))
                .accept(MessageType.ROUND_START).build().start();
    }

    private void onRoundStart(Envelope env, long publishedMs) {
        RoundStart rs = (RoundStart) env.body();
        List<Tensor> global = TensorCodec.decodeAll(codec.decodeTensors(reader.fetch(rs.globalLogits(), Duration.ofMinutes(2))).value());
        long startNanos = System.nanoTime();
        Arrival a = new Arrival(env.round(), publishedMs, System.currentTimeMillis(), startNanos);
        for (DeviceAssignment d : rs.assignments()) {
            if (!keys.containsKey(d.deviceId())) continue;
            CompletableFuture<List<ProducerRecord<byte[], byte[]>>> prepared = CompletableFuture.supplyAsync(() -> prepare(env, rs, d, global), workers);
            long due = startNanos + TimeUnit.MILLISECONDS.toNanos(trainMs) - System.nanoTime();
            timer.schedule(() -> {
                if (!prepared.isDone()) latePreparations.incrementAndGet();   // preparing took longer than the training
                prepared.thenAccept(records -> upload(publisherOf.get(d.deviceId()), records, 1));
            }, due, TimeUnit.NANOSECONDS);
        }
        onArrival.accept(a);
    }

    /** The device's update for the round: its blob's chunk records, then the signed update record. */
    private List<ProducerRecord<byte[], byte[]>> prepare(Envelope env, RoundStart rs, DeviceAssignment d, List<Tensor> global) {
        SplittableRandom rnd = new SplittableRandom(d.deviceId().hashCode() * 31L + env.round());
        List<Tensor> trained = new ArrayList<>();
        for (Tensor t : global) {
            float[] x = t.data().clone();
            for (int i = 0; i < x.length; i++) x[i] += (float) (0.1 * (rnd.nextDouble() - 0.5));
            trained.add(new Tensor(t.name(), t.shape(), x));
        }
        TensorEncoding enc = rs.config().updateEncoding();
        var encoded = TensorCodec.encodeUpdate(trained, rs.config());
        byte[] payload = codec.encodeTensors(encoded);
        String blobId = "d-" + d.deviceId() + "-" + Blobs.newBlobId();
        Blobs.Chunked chunks = Blobs.chunk(blobId, payload, Blobs.TENSORS, Blobs.DEFAULT_CHUNK_SIZE);
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        byte[] blobKey = blobId.getBytes(StandardCharsets.UTF_8);
        for (var c : chunks) out.add(new ProducerRecord<>(topics.name(Topic.UPLOADS), blobKey, codec.encode(Envelope.of(d.deviceId(), c))));
        long samples = profiles.get(d.deviceId()).sampleCount();
        Update u = new Update(d.deviceId(), d.layers(), chunks.ref(), List.of(), enc, samples, new LocalMetrics(1, 1, 0.5, 0.5, samples),
                new Timings(0, trainMs, 0, 0), env.round() - 1, TensorCodec.bitsPerParameter(encoded), new byte[0]);
        Envelope signed = Signatures.sign(Envelope.of(env.jobId(), env.round(), d.deviceId(), u), keys.get(d.deviceId()));
        out.add(new ProducerRecord<>(topics.name(Topic.UPDATES), env.jobId().getBytes(StandardCharsets.UTF_8), codec.encode(signed)));
        return out;
    }

    /**
     * Sends the chunks, and the update once the broker has them all (as {@code BlobWriter} and an agent do); a failed
     * send (a broker too busy to answer in time) sends it all again, up to 3 times. What follows an acknowledgement
     * runs on the fleet's sending thread, never on the producer's I/O thread that completes it: a send from there can block
     * that thread on the producer's own metadata or memory (up to {@code max.block.ms}, 60 s), and with it every
     * response in flight (the first upload of each fleet took a minute, its requests timed out).
     */
    private void upload(Publisher publisher, List<ProducerRecord<byte[], byte[]>> records, int attempt) {
        List<CompletableFuture<?>> chunks = new ArrayList<>();
        for (ProducerRecord<byte[], byte[]> r : records.subList(0, records.size() - 1)) chunks.add(publisher.send(r));
        CompletableFuture.allOf(chunks.toArray(CompletableFuture[]::new))
                .thenComposeAsync(v -> publisher.send(records.get(records.size() - 1)), sender)
                .whenCompleteAsync((meta, error) -> {
                    if (error == null) return;
                    failedUploads.incrementAndGet();
                    if (attempt < 3) upload(publisher, records, attempt + 1);
                }, sender);
    }

    /** Upload attempts that failed (each was sent again, up to 3 times). */
    long failedUploads() {
        return failedUploads.get();
    }

    /** Updates not prepared when their training time was up (then the upload started late: the figures are off). */
    long latePreparations() {
        return latePreparations.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        workers.shutdownNow();
        sender.shutdownNow();
        rounds.close();
        reader.close();
        publishers.forEach(Publisher::close);
    }
}
