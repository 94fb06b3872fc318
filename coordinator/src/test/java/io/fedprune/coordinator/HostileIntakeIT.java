package io.fedprune.coordinator;

import io.fedprune.Patience;
import io.fedprune.coordinator.job.JobViews;
import io.fedprune.kafka.KafkaClients;
import io.fedprune.kafka.Topics;
import io.fedprune.model.Tensor;
import io.fedprune.wire.BlobChunk;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.DeadLetter;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.TensorCodec;
import io.fedprune.wire.TensorEncoding;
import io.fedprune.wire.WireCodec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Hostile blob traffic during a job: 200 updates referencing blobs that are never published, a 16-byte chunk declaring
 * 2 GiB, a corrupt blob; the heap's peak stays bounded. The coordinator waits up to an hour for a missing blob here, so the round can only close
 * (within the test's bound of 30 minutes, however busy the machine) if those waits do not hold up the valid updates;
 * the rest is refused with its reason and changes nothing.
 */
@Tag("fault")
@Timeout(value = 30, unit = TimeUnit.MINUTES)
@ExtendWith(FleetFixture.class)
class HostileIntakeIT {
    static final int GHOSTS = 200;

    /** The heap in use after a GC; resets the heap pools' peaks. */
    static long heapNowResettingPeaks() {
        System.gc();
        long sum = 0;
        for (var pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() != java.lang.management.MemoryType.HEAP) continue;
            sum += pool.getUsage().getUsed();
            pool.resetPeakUsage();
        }
        return sum;
    }

    /** The sum of the heap pools' peak usage since the last reset: an upper bound of the heap's peak. */
    static long heapPeak() {
        long sum = 0;
        for (var pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans())
            if (pool.getType() == java.lang.management.MemoryType.HEAP) sum += pool.getPeakUsage().getUsed();
        return sum;
    }

    @Test
    void missingOversizedAndCorruptBlobsNeitherBlockNorCount() throws Exception {
        String prefix = "hostile.";
        KafkaClients clients = KafkaClients.of(FleetFixture.broker.bootstrapServers());
        Topics topics = Topics.defaults().withPrefix(prefix);
        CoordinatorConfig config = FleetFixture.configBuilder(prefix).blobTimeoutMs(3_600_000).maxBlobBytes(64L << 20).build();
        try (CoordinatorNode node = CoordinatorNode.start(config);
             ScriptedDevice s1 = new ScriptedDevice(clients, topics, "script-1", 0.1, 100, node::enrol);
             ScriptedDevice s2 = new ScriptedDevice(clients, topics, "script-2", 0.25, 100, node::enrol)) {
            Coordinator c = node.coordinator();
            Patience.await().until(() -> c.devices().stream().filter(JobViews.DeviceView::alive).count() == 2);
            String jobId = c.submit(FleetFixture.spec(1)).id();
            ScriptedDevice.Round r1 = s1.nextRound();
            List<Tensor> g1 = s1.globalLogits(r1);
            long heapBefore = heapNowResettingPeaks();
            // a flood of references to blobs that never arrive
            for (int i = 0; i < GHOSTS; i++)
                s1.send(s1.updateWithBlob(r1, new BlobRef("ghost-" + i, "00".repeat(32), 4096, 1, Blobs.TENSORS), 100));
            // a 16-byte chunk declaring 2 GiB, referenced as such (over the limit) and as 16 bytes (the chunk lies)
            byte[] sixteen = new byte[16];
            BlobChunk liar = new BlobChunk("liar", 0, 1, Integer.MAX_VALUE - 8L, Blobs.sha256Hex(sixteen), Blobs.TENSORS, sixteen);
            s1.sendChunk(liar);
            s1.send(s1.updateWithBlob(r1, new BlobRef("liar", liar.sha256(), Integer.MAX_VALUE - 8L, 1, Blobs.TENSORS), 100));
            s1.send(s1.updateWithBlob(r1, new BlobRef("liar", liar.sha256(), 16, 1, Blobs.TENSORS), 100));
            // a corrupt blob: a flipped bit under consistent chunk CRCs
            byte[] payload = WireCodec.standard().encodeTensors(TensorCodec.encodeAll(g1, TensorEncoding.FLOAT32, 0));
            Blobs.Chunked chunked = Blobs.chunk("corrupt", payload, Blobs.TENSORS, Blobs.DEFAULT_CHUNK_SIZE);
            for (BlobChunk c0 : chunked) {
                byte[] data = c0.toByteArray();
                if (c0.index() == 0) data[data.length / 2] ^= 1;
                s1.sendChunk(new BlobChunk(c0.blobId(), c0.index(), c0.count(), c0.totalSize(), c0.sha256(), c0.contentType(), data));
            }
            s1.send(s1.updateWithBlob(r1, chunked.ref(), 100));
            // then the valid updates
            s1.send(s1.update(r1, g1, 100));
            ScriptedDevice.Round r2 = s2.nextRound();
            s2.send(s2.update(r2, s2.globalLogits(r2), 100));

            Patience.await().until(() -> !c.view(jobId).orElseThrow().state().equals("RUNNING"));
            JobViews.JobView job = c.view(jobId).orElseThrow();
            assertEquals("COMPLETED", job.state(), job.reason());
            assertEquals(2, job.rounds().get(0).replied(), "both valid updates counted while " + GHOSTS + " blob fetches still wait");
            // nothing near the 2 GiB declared was allocated: the heap's peak during the flood stayed within 1 GiB of before
            long grown = heapPeak() - heapBefore;
            System.out.println("HostileIntakeIT: heap peak during the flood " + (grown >> 20) + " MiB above the heap in use before it");
            assertTrue(grown < 1L << 30, "heap peak grew by " + (grown >> 20) + " MiB during the flood");
            assertEquals(List.of(), node.deadThreads(), "every reading thread still runs");
            Patience.await().until(() -> FleetFixture.deadLetters(clients, topics).size() >= 3);
            List<DeadLetter> dead = FleetFixture.deadLetters(clients, topics);
            assertTrue(dead.stream().anyMatch(d -> d.reason() == RejectReason.CHECKSUM_MISMATCH), dead.toString());
            assertEquals(2, dead.stream().filter(d -> d.detail().contains("exceeds the limit")).count(), dead.toString());
            assertTrue(dead.stream().anyMatch(d -> d.detail().contains("exceeds the limit of 67108864")), "refused by the configured limit: " + dead);
            assertTrue(dead.stream().anyMatch(d -> d.detail().contains("exceeds the limit of 16")), "refused against the reference's size: " + dead);
        }
    }
}
