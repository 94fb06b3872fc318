package io.fedprune.agent;

import io.fedprune.kafka.SharedBroker;
import org.junit.jupiter.api.extension.ExtendWith;
import io.fedprune.Patience;
import io.fedprune.data.Mnist;
import io.fedprune.data.TestData;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.dpp.Masks;
import io.fedprune.kafka.BlobWriter;
import io.fedprune.kafka.EmbeddedBroker;
import io.fedprune.kafka.KafkaClients;
import io.fedprune.kafka.Publisher;
import io.fedprune.kafka.Topic;
import io.fedprune.model.MaskSpecs;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.runtime.LayerMask;
import io.fedprune.runtime.TierFile;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.Budget;
import io.fedprune.wire.Decoded;
import io.fedprune.wire.Deployment;
import io.fedprune.wire.DeploymentAck;
import io.fedprune.wire.Envelope;
import io.fedprune.wire.LayerSpec;
import io.fedprune.wire.Safetensors;
import io.fedprune.wire.WireCodec;
import org.apache.kafka.clients.consumer.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import org.junit.jupiter.api.Tag;

/**
 * An agent on a real (embedded) broker receives tiers as a coordinator publishes them: a good one is applied and acked
 * with its parameter bytes and latency; a truncated, tampered, inconsistent (wrong k) or out-of-range artifact is
 * refused with the reason in the ack, and the agent keeps running the tier it applied before.
 */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
@ExtendWith(SharedBroker.class)
class TierDeploymentIT {
    static final String JOB = "job-deploy";

    @Test
    void badArtifactsAreRefusedWithAReasonAndThePreviousTierStays(EmbeddedBroker broker) throws Exception {
        Mnist.Split mini = Mnist.load(TestData.mnistMini());
        Model model = Model.init(ModelArch.LENET300.graph(), 5);
        Map<String, DeploymentAck> acks = new ConcurrentHashMap<>();
        // the test plays the coordinator: it enrols the agent and signs its deployments with its own key
        try (CoordinatorStandIn coordinator = new CoordinatorStandIn(broker, "deploy-it.");
             Consumer<byte[], byte[]> ackReader = coordinator.clients.assignedConsumer(coordinator.topics.name(Topic.UPDATES), "it-acks",
                     KafkaClients.Start.BEGINNING)) {
            Agent agent = new Agent(new Agent.Settings("phone-1", Budget.ofKeep(0.5), mini.train().head(200), mini.test().head(200), null));
            coordinator.hub.add(agent);
            Publisher publisher = coordinator.publisher;
            BlobWriter blobs = coordinator.blobs;

            byte[] small = tier(model, 0.05);
            publish(publisher, blobs, "keep-0.05", 0.05, small, TierFile.checksums(small), layers(small));
            DeploymentAck first = awaitAck(ackReader, acks, "keep-0.05");
            assertTrue(first.applied(), first.error());
            Agent.Applied applied = agent.applied(JOB).orElseThrow();
            assertEquals(applied.network().parameterBytes(), first.parameterBytes());
            assertTrue(first.parameterBytes() > 0 && first.latencyMicros() > 0, first.toString());
            assertEquals(applied.accuracy(), first.localAccuracy());

            byte[] good = tier(model, 0.1);
            Map<String, String> sums = TierFile.checksums(good);
            // truncated, published without checksums: the format reader refuses it
            publish(publisher, blobs, "truncated", 0.1, Arrays.copyOf(good, good.length - 100), Map.of(), layers(good));
            // one value changed after the checksums were taken
            byte[] tampered = good.clone();
            tampered[tampered.length - 1] ^= 1;
            publish(publisher, blobs, "tampered", 0.1, tampered, sums, layers(good));
            // the deployment message and the artifact disagree on k
            List<LayerSpec> wrongK = new ArrayList<>(layers(good));
            LayerSpec l0 = wrongK.get(0);
            wrongK.set(0, new LayerSpec(l0.layer(), l0.granularity(), l0.n(), l0.k() + 1));
            publish(publisher, blobs, "wrong-k", 0.1, good, sums, wrongK);
            // an index outside [0, n), with checksums that match the bad file (at 5% keep fc2's indices are smaller than its mask bits)
            byte[] outOfRange = withIndex(small, "fc2.indices", 300);
            publish(publisher, blobs, "out-of-range", 0.1, outOfRange, TierFile.checksums(outOfRange), layers(small));
            // mask bits that keep another number than k (at 10% fc2 has mask bits), checksums matching
            byte[] badBits = withIndex(good, "fc2.mask_bits", -1);
            publish(publisher, blobs, "bad-bits", 0.1, badBits, TierFile.checksums(badBits), layers(good));

            assertRefused(awaitAck(ackReader, acks, "truncated"), "data section");
            assertRefused(awaitAck(ackReader, acks, "tampered"), "checksum mismatch");
            assertRefused(awaitAck(ackReader, acks, "wrong-k"), "the deployment says k=" + (l0.k() + 1));
            assertRefused(awaitAck(ackReader, acks, "out-of-range"), "index 300 outside [0, 300)");
            assertRefused(awaitAck(ackReader, acks, "bad-bits"), "candidates, not k=30");
            assertSame(applied, agent.applied(JOB).orElseThrow(), "the agent keeps the tier it applied before");

            // a good larger tier is applied after all that
            byte[] larger = tier(model, 0.25);
            publish(publisher, blobs, "keep-0.25", 0.25, larger, TierFile.checksums(larger), layers(larger));
            assertTrue(awaitAck(ackReader, acks, "keep-0.25").applied());
            assertEquals("keep-0.25", agent.applied(JOB).orElseThrow().tier());
        }
    }

    private static void assertRefused(DeploymentAck ack, String reason) {
        assertFalse(ack.applied(), ack.tier());
        assertTrue(ack.error().contains(reason), ack.tier() + ": " + ack.error());
        assertEquals(0, ack.parameterBytes());
    }

    /** A LeNet-300 tier at WEIGHT granularity with seeded random k-of-n masks. */
    static byte[] tier(Model model, double keep) {
        Map<String, LayerMask> masks = new LinkedHashMap<>();
        for (MaskSpec s : MaskSpecs.weightLevel(ModelArch.LENET300.graph(), keep)) masks.put(s.layer(), new LayerMask(s, Masks.random(s, 3)));
        return new TierFile(JOB, "keep-" + keep, keep, model, masks).write();
    }

    static List<LayerSpec> layers(byte[] file) {
        List<LayerSpec> out = new ArrayList<>();
        for (LayerMask m : TierFile.read(file).masks().values())
            out.add(new LayerSpec(m.spec().layer(), io.fedprune.wire.Granularity.valueOf(m.spec().granularity().name()), m.spec().n(), m.spec().k()));
        return out;
    }

    /**
     * {@code file} with the last index of {@code tensor} (I16) set to {@code value}, or, for mask bits
     * ({@code value} -1), the lowest bit of the first byte flipped.
     */
    static byte[] withIndex(byte[] file, String tensor, int value) {
        Safetensors.Contents c = Safetensors.read(file);
        c.require(tensor);
        List<Safetensors.Entry> out = new ArrayList<>();
        for (Safetensors.Entry e : c.entries()) {
            if (e.name().equals(tensor) && value < 0) {
                byte[] bits = e.data();
                bits[0] ^= 1;
                e = Safetensors.Entry.u8(e.name(), e.shape(), bits);
            } else if (e.name().equals(tensor)) {
                int[] idx = e.ints();
                idx[idx.length - 1] = value;
                e = Safetensors.Entry.i16(e.name(), e.shape(), idx);
            }
            out.add(e);
        }
        return Safetensors.write(out, c.metadata());
    }

    static void publish(Publisher publisher, BlobWriter blobs, String tier, double keep, byte[] file, Map<String, String> sums,
                        List<LayerSpec> layers) {
        BlobRef ref = blobs.write(file, Blobs.SAFETENSORS);
        Deployment d = new Deployment(tier, keep, layers, ref, ref, OptionalDouble.empty(), sums);
        publisher.publish(Topic.DEPLOYMENTS, JOB + "/" + tier, Envelope.of(JOB, 0, AgentHub.COORDINATOR, d)).join();
    }

    static DeploymentAck awaitAck(Consumer<byte[], byte[]> reader, Map<String, DeploymentAck> acks, String tier) {
        WireCodec codec = WireCodec.standard();
        Patience.await().until(() -> {
            reader.poll(Duration.ofMillis(100)).forEach(r -> {
                Decoded<Envelope> d = codec.decode(r.value());
                if (d.isOk() && d.value().body() instanceof DeploymentAck a) acks.put(a.tier(), a);
            });
            return acks.containsKey(tier);
        });
        return acks.get(tier);
    }
}
