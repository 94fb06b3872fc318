package io.fedprune.coordinator;

import io.fedprune.Patience;
import io.fedprune.runtime.TierKeys.LayerKey;
import io.fedprune.runtime.TierKeys;
import io.fedprune.agent.Agent;
import io.fedprune.agent.AgentHub;
import io.fedprune.runtime.TierFile;
import io.fedprune.wire.Safetensors;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.coordinator.job.JobViews;
import io.fedprune.kafka.KafkaClients;
import io.fedprune.kafka.Topic;
import io.fedprune.kafka.Topics;
import io.fedprune.model.Tensor;
import io.fedprune.wire.DeadLetter;
import io.fedprune.wire.Deployment;
import io.fedprune.wire.DeploymentAck;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.RoundResult;
import io.fedprune.wire.WireCodec;
import io.fedprune.wire.Envelope;
import io.fedprune.wire.Signatures;
import io.fedprune.wire.Update;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.fedprune.coordinator.FleetFixture.*;
import static org.junit.jupiter.api.Assertions.*;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import java.util.concurrent.TimeUnit;

/**
 * The whole loop over a real (embedded) broker: coordinator, 4 agents with 2 budgets on the committed MNIST subset,
 * 3 rounds, plus two scripted devices that inject a duplicate, a NaN and an undecodable update and a garbage record.
 * The same job runs twice, without and with the injections, and must give bit-identical fused logits and artifacts. The
 * run with injections is a job with {@code rowRanks}: the real agents, asked by the round start, and the scripted
 * devices' valid updates carry their logits rows' ranks (the coordinator folds them); in the other (the default, no
 * ranks) it sorts every row itself: the same bits either way.
 */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
@ExtendWith(FleetFixture.class)
class FederatedRoundsIT {
    record Outcome(JobViews.JobView job, List<List<Tensor>> fused, Map<String, byte[]> artifacts,
                   Map<String, DeploymentAck> acks, List<DeadLetter> deadLetters) {
    }

    static Outcome run(String prefix, boolean inject) throws Exception {
        KafkaClients clients = KafkaClients.of(FleetFixture.broker.bootstrapServers());
        Topics topics = Topics.defaults().withPrefix(prefix);
        try (CoordinatorNode node = CoordinatorNode.start(config(prefix));
             AgentHub hub = agents(prefix, node::enrol);
             ScriptedDevice s1 = new ScriptedDevice(clients, topics, "script-1", 0.1, 100, node::enrol);
             ScriptedDevice s2 = new ScriptedDevice(clients, topics, "script-2", 0.25, 100, node::enrol)) {
            Coordinator c = node.coordinator();
            Patience.await().until(() -> c.devices().stream().filter(JobViews.DeviceView::alive).count() == 6);
            List<RoundResult> results = new CopyOnWriteArrayList<>();
            c.onRound((job, r) -> results.add(r));
            String jobId = c.submit(spec(3, "FLOAT32", inject)).id();   // with injections, devices send row ranks
            ProducerRecord<byte[], byte[]> previous = null;
            for (int r = 1; r <= 3; r++) {
                ScriptedDevice.Round r1 = s1.nextRound();
                List<Tensor> g1 = s1.globalLogits(r1);
                ProducerRecord<byte[], byte[]> valid = s1.update(r1, g1, 100, inject);
                if (inject && r == 1) {
                    s1.send(s1.updateWithNaN(r1, g1, 100));                                      // invalid: NaN
                    s1.send(s1.updateWithPayload(r1, "not a tensor bundle".getBytes(StandardCharsets.UTF_8), 100)); // invalid: undecodable logits
                    s1.send(new ProducerRecord<>(topics.name(Topic.UPDATES), jobId.getBytes(StandardCharsets.UTF_8),
                            new byte[]{8, 1, 16, 4, 42, 42}));                                  // garbage record
                }
                if (inject && r == 2) flood(s1, r1, valid, previous);                             // 1,000 crafted updates
                s1.send(valid);
                if (inject && r == 1) {
                    s1.send(valid);                                                               // the same record again: replayed
                    s1.send(s1.update(r1, g1, 100));                                              // a second update of the round: duplicate
                }
                previous = valid;
                ScriptedDevice.Round r2 = s2.nextRound();
                s2.send(s2.update(r2, s2.globalLogits(r2), 100, inject));
            }
            Patience.await().until(() -> !c.view(jobId).orElseThrow().state().equals("RUNNING"));
            Patience.await().until(() -> c.latestAcks(jobId).size() == BUDGETS.length);
            if (inject) Patience.await().until(() -> deadLetters(clients, topics).size() >= 1005);
            else forgeDeployments(clients, topics, hub, jobId);
            List<List<Tensor>> fused = new ArrayList<>();
            for (RoundResult r : results) fused.add(node.transport().getTensors(r.fusedLogits()));
            Map<String, byte[]> artifacts = new HashMap<>();
            for (String tier : List.of("keep-0.1", "keep-0.25")) artifacts.put(tier, c.artifact(jobId, tier).orElseThrow());
            for (String tier : List.of("keep-0.1", "keep-0.25")) {   // the ONNX export beside every artifact
                var onnx = io.fedprune.onnx.proto.ModelProto.parseFrom(c.onnx(jobId, tier).orElseThrow());
                assertTrue(onnx.getMetadataPropsList().stream().anyMatch(m -> m.getKey().equals(TierKeys.ONNX_TIER) && m.getValue().equals(tier)));
            }
            return new Outcome(c.view(jobId).orElseThrow(), fused, artifacts, c.latestAcks(jobId), deadLetters(clients, topics));
        }
    }

    @Test
    void maskUpdatesSendAtMostOneBitPerParameterAndFuseIntoKOfNTiers() throws Exception {
        String prefix = "mask.";
        try (CoordinatorNode node = CoordinatorNode.start(config(prefix)); AgentHub hub = agents(prefix, node::enrol)) {
            Coordinator c = node.coordinator();
            Patience.await().until(() -> c.devices().stream().filter(JobViews.DeviceView::alive).count() == BUDGETS.length);
            String jobId = c.submit(spec(2, "MASK")).id();
            Patience.await().until(() -> !c.view(jobId).orElseThrow().state().equals("RUNNING"));
            JobViews.JobView v = c.view(jobId).orElseThrow();
            assertEquals("COMPLETED", v.state(), v.reason());
            for (JobViews.RoundView r : v.rounds()) {
                assertEquals(BUDGETS.length, r.replied());
                assertEquals(0, r.invalid());
                // budgets 10% and 25%: the Rice-coded masks take about 0.47-0.81 bits per parameter
                assertTrue(r.uplinkBitsPerParameter() > 0.3 && r.uplinkBitsPerParameter() <= 1.0, "bits " + r.uplinkBitsPerParameter());
            }
            for (JobViews.TierView t : v.rounds().get(1).tiers()) assertTrue(t.accuracy() > 0.5, t.tier() + " accuracy " + t.accuracy());
        }
    }

    /**
     * Publishes three forged deployments of the job's smallest tier under a new job id (right format: re-signed by
     * another key, the coordinator's signature of the original kept, unsigned) and checks that the hub refused every
     * one and that no agent applied any.
     */
    static void forgeDeployments(KafkaClients clients, Topics topics, AgentHub hub, String jobId) throws Exception {
        WireCodec codec = WireCodec.standard();
        Envelope real = null;
        try (Consumer<byte[], byte[]> c = clients.assignedConsumer(topics.name(Topic.DEPLOYMENTS), "it-forger", KafkaClients.Start.BEGINNING)) {
            while (real == null)
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200)))
                    if (new String(r.key(), StandardCharsets.UTF_8).equals(Deployment.key(jobId, "keep-0.1"))) real = codec.decode(r.value()).value();
        }
        long before = hub.refused();
        String forgedJob = "forged-" + jobId;
        Envelope forged = new Envelope(forgedJob, 0, java.util.UUID.randomUUID().toString(), real.sender(), real.timestampMs(), real.body());
        try (var producer = clients.producer("it-forger")) {
            for (Envelope e : List.of(Signatures.sign(forged, Signatures.generate().getPrivate()), forged.withSignature(real.signature()), forged))
                producer.send(new ProducerRecord<>(topics.name(Topic.DEPLOYMENTS), Deployment.key(forgedJob, "keep-0.1").getBytes(StandardCharsets.UTF_8), codec.encode(e))).get();
        }
        Patience.await().until(() -> hub.refused() - before == 3);
        for (Agent a : hub.agents().values()) assertTrue(a.applied(forgedJob).isEmpty(), a.id() + " applied a forged deployment");
    }

    /** How many records of each kind {@link #flood} sends: 1,000 in all. */
    static final Map<RejectReason, Integer> FLOOD = Map.of(RejectReason.UNSIGNED, 200, RejectReason.UNKNOWN_KEY, 200,
            RejectReason.BAD_SIGNATURE, 400, RejectReason.REPLAYED, 200);

    /**
     * Floods the updates topic with 1,000 well-formed updates for the running round, none of which may be used: 200
     * unsigned, 200 signed by unknown devices, 200 of the device's own signed update with other logits put in, 200 in
     * the selected device's name signed by another key, 100 replays of its update of the last round and 100 copies of
     * this round's update.
     */
    static void flood(ScriptedDevice s, ScriptedDevice.Round round, ProducerRecord<byte[], byte[]> valid, ProducerRecord<byte[], byte[]> lastRound) {
        WireCodec codec = WireCodec.standard();
        Envelope signed = codec.decode(valid.value()).value();
        Update u = (Update) signed.body();
        // other logits: the global logits with one value changed, as a blob of their own
        List<Tensor> other = new ArrayList<>(s.globalLogits(round));
        float[] changed = other.get(0).data().clone();
        changed[0] += 1f;
        other.set(0, new Tensor(other.get(0).name(), other.get(0).shape(), changed));
        Update tampered = new Update(u.deviceId(), u.kUsed(), ((Update) codec.decode(s.update(round, other, 100).value()).value().body()).logitsRef(),
                List.of(), u.encoding(), u.sampleCount(), u.metrics(), u.timings(), u.baseRound(), u.bitsPerParameter(), new byte[0]);
        java.security.KeyPair stranger = Signatures.generate();
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Envelope fresh = Envelope.of(signed.jobId(), signed.round(), s.id, u);
            out.add(record(valid, codec.encode(fresh)));                                                          // unsigned
            Envelope intruder = Envelope.of(signed.jobId(), signed.round(), "intruder-" + i,
                    new Update("intruder-" + i, u.kUsed(), u.logitsRef(), List.of(), u.encoding(), u.sampleCount(), u.metrics(),
                            u.timings(), u.baseRound(), u.bitsPerParameter(), new byte[0]));
            out.add(record(valid, codec.encode(Signatures.sign(intruder, stranger.getPrivate()))));              // unknown key
            out.add(record(valid, codec.encode(new Envelope(signed.jobId(), signed.round(), signed.messageId(), signed.sender(),
                    signed.timestampMs(), tampered, signed.signature()))));                                        // real key, other logits
            out.add(record(valid, codec.encode(Signatures.sign(fresh, stranger.getPrivate()))));                 // selected id, another key
            out.add(i % 2 == 0 ? lastRound : valid);                                                               // replays, duplicates
        }
        for (ProducerRecord<byte[], byte[]> r : out) s.publisher().send(r);
        s.publisher().flush();
    }

    private static ProducerRecord<byte[], byte[]> record(ProducerRecord<byte[], byte[]> like, byte[] value) {
        return new ProducerRecord<>(like.topic(), like.key(), value);
    }

    @Test
    void federatedRoundsPruneToNestedKOfNTiersAndIgnoreBadUpdates() throws Exception {
        long t0 = System.nanoTime();
        Outcome clean = run("clean.", false);
        Outcome dirty = run("dirty.", true);
        System.out.printf("two federated runs took %.1f s%n", (System.nanoTime() - t0) / 1e9);

        for (Outcome o : List.of(clean, dirty)) {
            assertEquals("COMPLETED", o.job().state(), o.job().reason());
            assertEquals(3, o.job().rounds().size());
            for (JobViews.RoundView r : o.job().rounds()) {
                assertEquals(6, r.selected());
                assertEquals(6, r.replied());
            }
        }
        // the injected updates were counted and dead-lettered with their reasons ...
        JobViews.RoundView r1 = dirty.job().rounds().get(0);
        assertEquals(1, r1.duplicates());
        assertEquals(2, r1.invalid());
        List<RejectReason> reasons = dirty.deadLetters().stream().map(DeadLetter::reason).toList();
        assertTrue(reasons.contains(RejectReason.DUPLICATE), reasons.toString());
        assertTrue(reasons.contains(RejectReason.NON_FINITE), reasons.toString());
        assertTrue(reasons.contains(RejectReason.MALFORMED), reasons.toString());
        // the flood of round 2: every crafted update dead-lettered with its reason (plus round 1's replayed record)
        Map<RejectReason, Long> counts = new java.util.TreeMap<>();
        for (RejectReason r : reasons) counts.merge(r, 1L, Long::sum);
        System.out.println("dead letters by reason: " + counts);
        for (Map.Entry<RejectReason, Integer> f : FLOOD.entrySet())
            assertEquals(f.getValue() + (f.getKey() == RejectReason.REPLAYED ? 1 : 0), counts.getOrDefault(f.getKey(), 0L), f.getKey().name());
        assertEquals(1000 + 1 + 4, reasons.size(), counts.toString());
        assertEquals(6, dirty.job().rounds().get(1).replied());
        assertEquals(List.of(), clean.deadLetters().stream().map(DeadLetter::reason).toList());
        // the job with rowRanks: each of the 4 agents sent its FLOAT32 logits' ranks (16 more bits per logit: 48), the
        // 2 scripted devices claim 32 bits; without it every device sent 32 bits
        for (int r = 0; r < 3; r++) {
            assertEquals(32, clean.job().rounds().get(r).uplinkBitsPerParameter(), 1e-9, "round " + (r + 1));
            assertEquals((4 * 48 + 2 * 32) / 6.0, dirty.job().rounds().get(r).uplinkBitsPerParameter(), 1e-9, "round " + (r + 1));
        }
        // ... and changed nothing: identical fused logits in every round, identical artifacts
        for (int r = 0; r < 3; r++)
            for (int l = 0; l < clean.fused().get(r).size(); l++)
                assertArrayEquals(clean.fused().get(r).get(l).data(), dirty.fused().get(r).get(l).data(), 0f, "round " + (r + 1));
        for (String tier : clean.artifacts().keySet()) {     // same tensors (the metadata differ only in the job id)
            Safetensors.Contents a = Safetensors.read(clean.artifacts().get(tier)), b = Safetensors.read(dirty.artifacts().get(tier));
            assertEquals(a.entries().stream().map(Safetensors.Entry::name).toList(), b.entries().stream().map(Safetensors.Entry::name).toList());
            for (String t : a.entries().stream().map(Safetensors.Entry::name).toList()) assertArrayEquals(a.require(t).data(), b.require(t).data(), tier + " " + t);
        }

        // tiers: exactly k per group in every layer, nested, accuracy far above chance
        JobViews.RoundView last = clean.job().rounds().get(2);
        Map<String, float[]> smaller = null;
        for (JobViews.TierView t : last.tiers()) {
            System.out.printf("tier %s: k %s, accuracy %.4f%n", t.tier(), t.k(), t.accuracy());
            assertTrue(t.accuracy() > 0.5, t.tier() + " accuracy " + t.accuracy());
            Safetensors.Contents p = Safetensors.read(clean.artifacts().get(t.tier()));
            TierFile file = TierFile.read(clean.artifacts().get(t.tier()));
            Map<String, float[]> masks = new HashMap<>();
            for (String layer : List.of("fc1", "fc2", "fc3")) {
                int n = Integer.parseInt(p.metadata().get(LayerKey.N.of(layer))), k = Integer.parseInt(p.metadata().get(LayerKey.K.of(layer)));
                assertEquals(t.k().get(layer), k);
                float[] mask = file.masks().get(layer).weightMask();
                for (int g = 0; g < mask.length / n; g++) {
                    int kept = 0;
                    for (int j = 0; j < n; j++) kept += mask[g * n + j];
                    assertEquals(k, kept, t.tier() + " " + layer + " group " + g);
                }
                if (smaller != null)
                    for (int i = 0; i < mask.length; i++) assertTrue(smaller.get(layer)[i] <= mask[i], t.tier() + " " + layer + " not nested");
                masks.put(layer, mask);
            }
            smaller = masks;
        }
        // every agent applied the tier that fits its budget and acked a local accuracy far above chance
        for (int i = 0; i < BUDGETS.length; i++) {
            DeploymentAck a = clean.acks().get("agent-" + i);
            assertNotNull(a, "agent-" + i + " did not ack");
            assertTrue(a.applied(), a.error());
            assertEquals(JobSpec.tierName(BUDGETS[i]), a.tier());
            assertTrue(a.localAccuracy() > 0.5, "agent-" + i + " local accuracy " + a.localAccuracy());
        }
        for (JobViews.DeploymentView d : clean.job().deployments())
            assertEquals(d.checksums().get(TierKeys.ARTIFACT_CHECKSUM), io.fedprune.wire.Blobs.sha256Hex(clean.artifacts().get(d.tier())));
    }
}
