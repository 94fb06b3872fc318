package io.fedprune.coordinator;

import io.fedprune.Patience;
import io.fedprune.kafka.BlobReader;
import io.fedprune.kafka.BlobWriter;
import io.fedprune.kafka.KafkaClients;
import io.fedprune.kafka.Publisher;
import io.fedprune.kafka.Topic;
import io.fedprune.kafka.Topics;
import io.fedprune.model.Tensor;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.Budget;
import io.fedprune.wire.DeviceAssignment;
import io.fedprune.agent.Enrolment;
import io.fedprune.wire.DeviceHello;
import io.fedprune.wire.Signatures;
import io.fedprune.wire.DeviceState;
import io.fedprune.wire.Heartbeat;
import io.fedprune.wire.DeviceProfile;
import io.fedprune.wire.Envelope;
import io.fedprune.wire.LocalMetrics;
import io.fedprune.wire.RoundStart;
import io.fedprune.wire.TensorCodec;
import io.fedprune.wire.TensorEncoding;
import io.fedprune.wire.Timings;
import io.fedprune.wire.Update;
import io.fedprune.wire.WireCodec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A device played by a test: registers, reads round starts and sends hand-made updates (its "trained" logits are
 * the global logits it was sent), valid or deliberately broken.
 */
final class ScriptedDevice implements AutoCloseable {
    final String id;
    private final Topics topics;
    private final WireCodec codec = WireCodec.standard();
    private final Publisher publisher;
    private final BlobWriter blobs;
    private final BlobReader reader;
    private final Consumer<byte[], byte[]> rounds;
    private final DeviceProfile profile;
    final KeyPair keys;
    final PublicKey coordinatorKey;
    private final java.util.concurrent.ScheduledExecutorService heartbeats = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "scripted-heartbeat");
        t.setDaemon(true);
        return t;
    });

    /** A device enrolled through {@code enrolment} that signs what it sends (its key pair: {@link #keys}). */
    ScriptedDevice(KafkaClients clients, Topics topics, String id, double keep, long samples, Enrolment enrolment) throws Exception {
        this.id = id;
        this.topics = topics;
        keys = Signatures.generate();
        coordinatorKey = enrolment.enrol(id, keys.getPublic());
        publisher = new Publisher(clients.producer(id), topics, codec,
                e -> e.sender().equals(id) ? Signatures.signForSending(e, keys.getPrivate()) : e);
        blobs = new BlobWriter(publisher, Topic.UPLOADS, id);
        reader = BlobReader.start(clients, topics, Topic.BLOBS, BlobReader.Config.defaults());
        rounds = clients.consumer(null, id + "-rounds");
        TopicPartition tp = new TopicPartition(topics.name(Topic.ROUNDS), 0);
        rounds.assign(List.of(tp));
        rounds.seekToEnd(List.of(tp));
        rounds.position(tp);
        profile = new DeviceProfile(id, Budget.ofKeep(keep), samples, List.of(), "script");
        publisher.publish(Topic.DEVICES, id, Envelope.of(id, new DeviceHello(profile))).join();
        // stays alive however slowly a round goes on a loaded machine (the coordinator forgets devices silent for 30 s)
        heartbeats.scheduleAtFixedRate(() -> publisher.publish(Topic.DEVICES, id, Envelope.of(id, new Heartbeat(profile, DeviceState.IDLE))),
                1, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** A round start seen on the rounds topic. */
    record Round(String jobId, int round, RoundStart start, DeviceAssignment assignment) {
    }

    /** Waits (up to {@link Patience#STEP}) for the next round start that selected this device. */
    Round nextRound() {
        AtomicReference<Round> next = new AtomicReference<>();
        Patience.await().alias(id + ": a round start selecting it").pollInSameThread().until(() -> {
            for (ConsumerRecord<byte[], byte[]> r : rounds.poll(Duration.ofMillis(100))) {
                Envelope e = codec.decode(r.value()).value();
                RoundStart rs = (RoundStart) e.body();
                for (DeviceAssignment a : rs.assignments())
                    if (a.deviceId().equals(id) && next.get() == null) next.set(new Round(e.jobId(), e.round(), rs, a));
            }
            return next.get() != null;
        });
        return next.get();
    }

    /** The global logits of a round. */
    List<Tensor> globalLogits(Round r) {
        return TensorCodec.decodeAll(codec.decodeTensors(reader.fetch(r.start().globalLogits(), Patience.STEP)).value());
    }

    /** Builds the record of an update carrying {@code logits} (uploaded as a blob first). */
    ProducerRecord<byte[], byte[]> update(Round r, List<Tensor> logits, long samples) {
        return update(r, logits, samples, false);
    }

    /** Builds the record of an update carrying {@code logits}, with each tensor's row ranks if {@code rowRanks}. */
    ProducerRecord<byte[], byte[]> update(Round r, List<Tensor> logits, long samples, boolean rowRanks) {
        List<io.fedprune.wire.EncodedTensor> encoded = TensorCodec.encodeAll(logits, TensorEncoding.FLOAT32, 0);
        if (rowRanks) encoded = encoded.stream().map(TensorCodec::withRowRanks).toList();
        byte[] payload = codec.encodeTensors(encoded);
        return updateWithBlob(r, blobs.write("d-" + id + "-" + Blobs.newBlobId(), payload, Blobs.TENSORS), samples);
    }

    /** Builds the record of an update whose first logit is NaN (protobuf written by hand: the codec refuses NaN). */
    ProducerRecord<byte[], byte[]> updateWithNaN(Round r, List<Tensor> logits, long samples) {
        io.fedprune.wire.proto.Pb.TensorBundle.Builder bundle = io.fedprune.wire.proto.Pb.TensorBundle.newBuilder();
        for (Tensor t : logits) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(t.size() * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < t.size(); i++) b.putFloat(i == 0 ? Float.NaN : t.get(i));
            var pt = io.fedprune.wire.proto.Pb.Tensor.newBuilder().setName(t.name())
                    .setDtype(io.fedprune.wire.proto.Pb.DType.DTYPE_FLOAT32).setData(com.google.protobuf.ByteString.copyFrom(b.array()));
            for (int d : t.shape()) pt.addShape(d);
            bundle.addTensors(pt);
        }
        return updateWithPayload(r, bundle.build().toByteArray(), samples);
    }

    /** Builds the record of an update whose logits blob holds {@code payload} (e.g. garbage). */
    ProducerRecord<byte[], byte[]> updateWithPayload(Round r, byte[] payload, long samples) {
        return updateWithBlob(r, blobs.write("d-" + id + "-" + Blobs.newBlobId(), payload, Blobs.TENSORS), samples);
    }

    /** Builds the record of an update referencing {@code ref} (which may never be published). */
    ProducerRecord<byte[], byte[]> updateWithBlob(Round r, BlobRef ref, long samples) {
        Update u = new Update(id, r.assignment().layers(), ref, List.of(), TensorEncoding.FLOAT32, samples,
                new LocalMetrics(1, 1, 0.5, 0.5, samples), new Timings(0, 1, 0, 0), r.round() - 1, 32, new byte[0]);
        return new ProducerRecord<>(topics.name(Topic.UPDATES), r.jobId().getBytes(StandardCharsets.UTF_8),
                codec.encode(Signatures.sign(Envelope.of(r.jobId(), r.round(), id, u), keys.getPrivate())));
    }

    /** The device's publisher (signs what this device sends). */
    Publisher publisher() {
        return publisher;
    }

    /** Publishes blob chunks as they are (possibly lying about their size) to the uploads topic and waits for the broker's acks. */
    void sendChunk(io.fedprune.wire.BlobChunk c) {
        publisher.publish(Topic.UPLOADS, c.blobId(), Envelope.of(id, c)).join();
    }

    /** Sends a record as it is and waits for the broker's ack. */
    void send(ProducerRecord<byte[], byte[]> record) {
        publisher.send(record).join();
    }

    @Override
    public void close() {
        heartbeats.shutdownNow();
        rounds.close();
        reader.close();
        publisher.close();
    }
}
