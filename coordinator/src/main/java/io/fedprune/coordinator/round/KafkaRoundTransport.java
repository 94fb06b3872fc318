package io.fedprune.coordinator.round;

import io.fedprune.kafka.BlobReader;
import io.fedprune.kafka.BlobWriter;
import io.fedprune.kafka.DeadLetters;
import io.fedprune.kafka.Publisher;
import io.fedprune.kafka.Topic;
import io.fedprune.model.Tensor;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.Decoded;
import io.fedprune.wire.Deployment;
import io.fedprune.wire.EncodedTensor;
import io.fedprune.wire.Envelope;
import io.fedprune.wire.JobEvent;
import io.fedprune.wire.JobStatus;
import io.fedprune.wire.JobSubmitted;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.Rejection;
import io.fedprune.wire.RoundStart;
import io.fedprune.wire.TensorCodec;
import io.fedprune.wire.TensorEncoding;
import io.fedprune.wire.Update;
import io.fedprune.wire.WireCodec;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link RoundTransport} over Kafka with the wire package's clients: blobs through {@link BlobWriter} /
 * {@link BlobReader}, messages through {@link Publisher}, rejections through {@link DeadLetters}. Also decodes
 * inbound updates (envelope, then the logits blob) into {@link ReceivedUpdate}s. Counts bytes in and out.
 */
public final class KafkaRoundTransport implements RoundTransport {
    public static final String SENDER = "coordinator";
    private final Publisher publisher;
    private final BlobWriter blobs;
    private final BlobReader reader;
    private final DeadLetters deadLetters;
    private final WireCodec codec;
    private final Duration blobTimeout;
    private final AtomicLong bytesOut = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();

    public KafkaRoundTransport(Publisher publisher, BlobReader reader, WireCodec codec, Duration blobTimeout) {
        this.publisher = publisher;
        this.blobs = new BlobWriter(publisher, SENDER);
        this.reader = reader;
        this.deadLetters = new DeadLetters(publisher, SENDER);
        this.codec = codec;
        this.blobTimeout = blobTimeout;
    }

    @Override
    public BlobRef putTensors(List<Tensor> tensors) {
        return putBytes(codec.encodeTensors(TensorCodec.encodeAll(tensors, TensorEncoding.FLOAT32, 0)), Blobs.TENSORS);
    }

    @Override
    public BlobRef putBytes(byte[] bytes, String contentType) {
        bytesOut.addAndGet(bytes.length);
        return blobs.write("c-" + Blobs.newBlobId(), bytes, contentType);
    }

    @Override
    public List<Tensor> getTensors(BlobRef ref) {
        Decoded<List<EncodedTensor>> d = codec.decodeTensors(getBytes(ref));
        if (!d.isOk()) throw new IllegalStateException("blob " + ref.blobId() + ": " + d.rejection().detail());
        return TensorCodec.decodeAll(d.value());
    }

    @Override
    public byte[] getBytes(BlobRef ref) {
        return reader.fetch(ref, blobTimeout);
    }

    @Override
    public void publishRoundStart(String jobId, int round, RoundStart start) {
        publisher.publish(Topic.ROUNDS, jobId, Envelope.of(jobId, round, SENDER, start)).join();
    }

    @Override
    public void publishDeployment(String jobId, Deployment d) {
        publisher.publish(Topic.DEPLOYMENTS, jobId + "/" + d.tier(), Envelope.of(jobId, 0, SENDER, d)).join();
    }

    @Override
    public void appendJobEvent(String jobId, int round, JobEvent event) {
        String key = jobId + "/" + (event instanceof JobSubmitted ? "submitted" : event instanceof JobStatus ? "status" : "round-" + round);
        publisher.publish(Topic.JOBS, key, Envelope.of(jobId, round, SENDER, event)).join();
    }

    @Override
    public void deadLetter(ReceivedUpdate u, RejectReason reason, String detail) {
        deadLetters.publish(publisher.topics().name(Topic.UPDATES), -1, -1, u.rawKey(), u.rawValue(), new Rejection(reason, detail));
    }

    /** Turns an update envelope into a {@link ReceivedUpdate}: fetches and decodes its logits; never throws. */
    public ReceivedUpdate receive(Envelope env, byte[] key, byte[] value) {
        Update u = (Update) env.body();
        long bytes = value.length;
        try {
            List<EncodedTensor> encoded;
            if (u.logitsRef() != null) {
                byte[] blob = reader.fetch(u.logitsRef(), blobTimeout);
                bytes += blob.length;
                Decoded<List<EncodedTensor>> d = codec.decodeTensors(blob);
                if (!d.isOk()) {
                    bytesIn.addAndGet(bytes);
                    return ReceivedUpdate.failed(env.jobId(), env.round(), env.sender(), d.rejection(), bytes, key, value);
                }
                encoded = d.value();
            } else {
                encoded = u.inlineLogits();
            }
            bytesIn.addAndGet(bytes);
            return ReceivedUpdate.of(env.jobId(), env.round(), u, TensorCodec.decodeAll(encoded), bytes, key, value);
        } catch (RuntimeException e) {
            bytesIn.addAndGet(bytes);
            return ReceivedUpdate.failed(env.jobId(), env.round(), u.deviceId(),
                    new Rejection(RejectReason.INVALID_FIELD, "logits: " + e.getMessage()), bytes, key, value);
        }
    }

    /** Bytes published as blobs so far. */
    public long bytesOut() {
        return bytesOut.get();
    }

    /** Update bytes received so far (records and their blobs). */
    public long bytesIn() {
        return bytesIn.get();
    }
}
