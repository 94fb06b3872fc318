package io.fedprune.coordinator.round;

import io.fedprune.model.Tensor;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.Deployment;
import io.fedprune.wire.JobEvent;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.RoundStart;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-memory {@link RoundTransport} that records everything. */
final class MemoryTransport implements RoundTransport {
    record DeadLettered(ReceivedUpdate update, RejectReason reason, String detail) {
    }

    final Map<String, Object> blobs = new ConcurrentHashMap<>();
    final List<RoundStart> roundStarts = new CopyOnWriteArrayList<>();
    final List<Deployment> deployments = new CopyOnWriteArrayList<>();
    final List<JobEvent> events = new CopyOnWriteArrayList<>();
    final List<DeadLettered> deadLetters = new CopyOnWriteArrayList<>();

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
}
