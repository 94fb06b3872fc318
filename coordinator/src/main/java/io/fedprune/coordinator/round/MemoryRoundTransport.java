package io.fedprune.coordinator.round;

import io.fedprune.model.Tensor;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.Deployment;
import io.fedprune.wire.JobCancel;
import io.fedprune.wire.JobEvent;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.RoundStart;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-memory {@link RoundTransport} that records everything it is given, beside {@link KafkaRoundTransport} as
 * Kafka's {@code MockProducer} is beside {@code KafkaProducer}: for running the round loop without a broker (tests,
 * experiments). Blobs are kept as objects (no chunking, no checksum); thread-safe.
 */
public final class MemoryRoundTransport implements RoundTransport {

    /** A dead-lettered update with its reason. */
    public record DeadLettered(ReceivedUpdate update, RejectReason reason, String detail) {
    }

    private final Map<String, Object> blobs = new ConcurrentHashMap<>();
    private final List<RoundStart> roundStarts = new CopyOnWriteArrayList<>();
    private final List<Deployment> deployments = new CopyOnWriteArrayList<>();
    private final List<JobCancel> cancels = new CopyOnWriteArrayList<>();
    private final List<JobEvent> events = new CopyOnWriteArrayList<>();
    private final List<DeadLettered> deadLetters = new CopyOnWriteArrayList<>();

    private BlobRef ref(Object value, String type) {
        String id = Blobs.newBlobId();
        blobs.put(id, value);
        return new BlobRef(id, "0".repeat(64), 1, 1, type);
    }

    @Override
    public BlobRef putTensors(List<Tensor> tensors) {
        return ref(new ArrayList<>(tensors), Blobs.TENSORS);
    }

    @Override
    public BlobRef putBytes(byte[] bytes, String contentType) {
        return ref(bytes.clone(), contentType);
    }

    @SuppressWarnings("unchecked")
    @Override
    public List<Tensor> getTensors(BlobRef ref) {
        return (List<Tensor>) blobs.get(ref.blobId());
    }

    @Override
    public byte[] getBytes(BlobRef ref) {
        return (byte[]) blobs.get(ref.blobId());
    }

    @Override
    public void publishRoundStart(String jobId, int round, RoundStart start) {
        roundStarts.add(start);
    }

    @Override
    public void publishCancel(String jobId, JobCancel cancel) {
        cancels.add(cancel);
    }

    @Override
    public void publishDeployment(String jobId, Deployment deployment) {
        deployments.add(deployment);
    }

    @Override
    public void appendJobEvent(String jobId, int round, JobEvent event) {
        events.add(event);
    }

    @Override
    public void deadLetter(ReceivedUpdate update, RejectReason reason, String detail) {
        deadLetters.add(new DeadLettered(update, reason, detail));
    }

    /** The round starts published so far, in order (a live view). */
    public List<RoundStart> roundStarts() {
        return Collections.unmodifiableList(roundStarts);
    }

    /** The cancels published so far, in order (a live view). */
    public List<JobCancel> cancels() {
        return Collections.unmodifiableList(cancels);
    }

    /** The deployments published so far, in order (a live view). */
    public List<Deployment> deployments() {
        return Collections.unmodifiableList(deployments);
    }

    /** The job events appended so far, in order (a live view). */
    public List<JobEvent> events() {
        return Collections.unmodifiableList(events);
    }

    /** The dead-lettered updates so far, in order (a live view). */
    public List<DeadLettered> deadLetters() {
        return Collections.unmodifiableList(deadLetters);
    }
}
