package io.fedprune.coordinator.round;

import io.fedprune.model.Tensor;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Deployment;
import io.fedprune.wire.JobCancel;
import io.fedprune.wire.JobEvent;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.RoundStart;

import java.util.List;

/**
 * What the round loop needs from the outside world: publishing to the devices, blobs, the job log and the dead-letter
 * topic. The Kafka implementation is {@link KafkaRoundTransport}; {@link MemoryRoundTransport} keeps everything in memory.
 */
public interface RoundTransport {

    /** Stores tensors as a blob (float32) and returns its reference. */
    BlobRef putTensors(List<Tensor> tensors);

    /** Stores raw bytes (e.g. a safetensors file) as a blob. */
    BlobRef putBytes(byte[] bytes, String contentType);

    /** Reads tensors back from a blob (used when a restarted coordinator resumes a job). */
    List<Tensor> getTensors(BlobRef ref) throws Exception;

    /** Reads raw bytes back from a blob. */
    byte[] getBytes(BlobRef ref) throws Exception;

    /** Announces a round to the selected devices. */
    void publishRoundStart(String jobId, int round, RoundStart start);

    /** Tells the agents that a job was cancelled: they drop its queued rounds and stop training it. */
    void publishCancel(String jobId, JobCancel cancel);

    /** Publishes one tier's deployment. */
    void publishDeployment(String jobId, Deployment deployment);

    /** Appends an event to the job log ({@code fedprune.jobs}). */
    void appendJobEvent(String jobId, int round, JobEvent event);

    /** Dead-letters a rejected update with the reason. */
    void deadLetter(ReceivedUpdate update, RejectReason reason, String detail);
}
