package io.fedprune.coordinator.round;

import io.fedprune.Threads;
import io.fedprune.kafka.BlobReader;
import io.fedprune.kafka.BlobWriter;
import io.fedprune.kafka.DeadLetters;
import io.fedprune.kafka.Publisher;
import io.fedprune.kafka.Topic;
import io.fedprune.model.Tensor;
import io.fedprune.wire.BlobChecksumException;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.Decoded;
import io.fedprune.wire.Deployment;
import io.fedprune.wire.JobCancel;
import io.fedprune.wire.EncodedTensor;
import io.fedprune.wire.Envelope;
import io.fedprune.wire.JobEvent;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.Rejection;
import io.fedprune.wire.RoundStart;
import io.fedprune.wire.TensorCodec;
import io.fedprune.wire.TensorEncoding;
import io.fedprune.wire.Update;
import io.fedprune.wire.WireCodec;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link RoundTransport} over Kafka with the wire package's clients: the coordinator's blobs through {@link BlobWriter} /
 * {@link BlobReader} on {@link Topic#BLOBS}, devices' update blobs through a {@link BlobReader} on {@link Topic#UPLOADS}, messages through {@link Publisher}, rejections through {@link DeadLetters}. Also decodes
 * inbound updates (envelope, then the logits blob) into {@link ReceivedUpdate}s. Counts bytes in and out.
 */
public final class KafkaRoundTransport implements RoundTransport, AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(KafkaRoundTransport.class);
    public static final String SENDER = "coordinator";
    private final Publisher publisher;
    private final BlobWriter blobs;
    private final BlobReader reader;
    private final BlobReader uploads;
    private final DeadLetters deadLetters;
    private final WireCodec codec;
    private final Duration blobTimeout;
    private final AtomicLong bytesOut = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();
    private final RoundMeters meters;
    /**
     * Decodes fetched update blobs off the blob reader's and the consumer's threads, one per core (so several decode at
     * once, and memory stays bounded).
     */
    private final ExecutorService decoder = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), Threads.daemon("fedprune-update-decoder"));

    /**
     * A transport timing its updates' fetch and decode in {@code meters}.
     *
     * @param reader  a reader of the blobs topic (the coordinator's own blobs, read back)
     * @param uploads a reader of the uploads topic (devices' update blobs)
     */
    public KafkaRoundTransport(Publisher publisher, BlobReader reader, BlobReader uploads, WireCodec codec, Duration blobTimeout, RoundMeters meters) {
        this.meters = meters;
        this.publisher = publisher;
        this.blobs = new BlobWriter(publisher, Topic.BLOBS, SENDER);
        this.reader = reader;
        this.uploads = uploads;
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
    public void publishCancel(String jobId, JobCancel cancel) {
        publisher.publish(Topic.ROUNDS, jobId, Envelope.of(jobId, 0, SENDER, cancel)).join();
    }

    @Override
    public void publishDeployment(String jobId, Deployment d) {
        publisher.publish(Topic.DEPLOYMENTS, Deployment.key(jobId, d.tier()), Envelope.of(jobId, 0, SENDER, d)).join();
    }

    @Override
    public void appendJobEvent(String jobId, int round, JobEvent event) {
        String key = JobEvent.key(jobId, round, event);
        publisher.publish(Topic.JOBS, key, Envelope.of(jobId, round, SENDER, event)).join();
    }

    @Override
    public void deadLetter(ReceivedUpdate u, RejectReason reason, String detail) {
        try {   // a dead letter that cannot be written is logged; it never ends the round that rejected the update
            deadLetters.publish(publisher.topics().name(Topic.UPDATES), -1, -1, u.rawKey(), u.rawValue(), new Rejection(reason, detail));
        } catch (RuntimeException e) {
            LOG.error("could not dead-letter the update of {} ({} {}): {}", u.deviceId(), reason, detail, e.toString());
        }
    }

    /**
     * Turns an update envelope into a {@link ReceivedUpdate}: fetches its logits blob (from the uploads topic) without blocking the caller (at
     * most the blob time-out) and decodes it on the decoding thread. The future never fails: a missing, oversized or
     * corrupt blob is a failed update (a checksum failure as {@link RejectReason#CHECKSUM_MISMATCH}).
     */
    public CompletableFuture<ReceivedUpdate> receive(Envelope env, byte[] key, byte[] value) {
        Update u = (Update) env.body();
        if (u.logitsRef() == null) return CompletableFuture.completedFuture(decode(env, u, null, u.inlineLogits(), key, value));
        long t0 = System.nanoTime();
        return uploads.view(u.logitsRef(), blobTimeout)   // the reader's own bytes, parsed without a copy
                .whenComplete((blob, error) -> meters.fetch().record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS))
                .handleAsync((blob, error) -> error == null ? decode(env, u, blob, null, key, value) : failed(env, u, error, key, value), decoder);
    }

    private ReceivedUpdate decode(Envelope env, Update u, java.nio.ByteBuffer blob, List<EncodedTensor> inline, byte[] key, byte[] value) {
        return meters.decode().record(() -> decodeUntimed(env, u, blob, inline, key, value));
    }

    private ReceivedUpdate decodeUntimed(Envelope env, Update u, java.nio.ByteBuffer blob, List<EncodedTensor> inline, byte[] key, byte[] value) {
        long bytes = value.length + (blob == null ? 0 : blob.remaining());
        bytesIn.addAndGet(bytes);
        try {
            List<EncodedTensor> encoded = inline;
            if (blob != null) {
                Decoded<List<EncodedTensor>> d = codec.decodeTensors(blob);
                if (!d.isOk()) return ReceivedUpdate.failed(env.jobId(), env.round(), env.sender(), d.rejection(), bytes, key, value);
                encoded = d.value();
            }
            return ReceivedUpdate.of(env.jobId(), env.round(), u, TensorCodec.decodeAll(encoded), TensorCodec.rowRanks(encoded), bytes, key, value);
        } catch (RuntimeException e) {
            return ReceivedUpdate.failed(env.jobId(), env.round(), u.deviceId(),
                    new Rejection(RejectReason.INVALID_FIELD, "logits: " + e.getMessage()), bytes, key, value);
        }
    }

    private ReceivedUpdate failed(Envelope env, Update u, Throwable error, byte[] key, byte[] value) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        bytesIn.addAndGet(value.length);
        RejectReason reason = e instanceof BlobChecksumException ? RejectReason.CHECKSUM_MISMATCH : RejectReason.INVALID_FIELD;
        return ReceivedUpdate.failed(env.jobId(), env.round(), u.deviceId(), new Rejection(reason, "logits: " + e.getMessage()),
                value.length, key, value);
    }

    /** Stops the decoding thread. */
    @Override
    public void close() {
        decoder.shutdownNow();
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
