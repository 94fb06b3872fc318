package io.fedprune.agent;

import io.fedprune.kafka.BlobWriter;
import io.fedprune.kafka.EmbeddedBroker;
import io.fedprune.kafka.KafkaClients;
import io.fedprune.kafka.Publisher;
import io.fedprune.kafka.Topic;
import io.fedprune.kafka.Topics;
import io.fedprune.model.Model;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.DeviceAssignment;
import io.fedprune.wire.Envelope;
import io.fedprune.wire.Granularity;
import io.fedprune.wire.LayerSpec;
import io.fedprune.wire.RoundStart;
import io.fedprune.wire.Signatures;
import io.fedprune.wire.TensorCodec;
import io.fedprune.wire.TensorEncoding;
import io.fedprune.wire.TrainingConfig;
import io.fedprune.wire.WireCodec;

import java.security.KeyPair;
import java.time.Duration;
import java.util.List;

/**
 * The agent ITs' coordinator, played by the test on a real broker: an agent hub (topics under {@code prefix}) that
 * enrols the stand-in's key, a publisher that signs every message but blob chunks with it, and a blob writer.
 */
final class CoordinatorStandIn implements AutoCloseable {
    final KafkaClients clients;
    final Topics topics;
    final KeyPair key = Signatures.generate();
    final WireCodec codec = WireCodec.standard();
    final AgentHub hub;
    final Publisher publisher;
    final BlobWriter blobs;

    CoordinatorStandIn(EmbeddedBroker broker, String prefix) {
        clients = KafkaClients.of(broker.bootstrapServers());
        topics = Topics.defaults().withPrefix(prefix);
        hub = AgentHub.start(AgentHub.Config.defaults(broker.bootstrapServers()).withTopicPrefix(prefix).withHeartbeatMs(500),
                Enrolment.known(key.getPublic()));
        publisher = new Publisher(clients.producer("it-coordinator"), topics, codec,
                e -> Signatures.signForSending(e, key.getPrivate()));
        blobs = new BlobWriter(publisher, Topic.BLOBS, "it-coordinator");
    }

    /** The model's tensors (FLOAT32) as a blob on the blobs topic. */
    BlobRef modelBlob(Model model) {
        return blobs.write(codec.encodeTensors(TensorCodec.encodeAll(model.toTensors(), TensorEncoding.FLOAT32, 0)), Blobs.TENSORS);
    }

    /** Starts round {@code round} of {@code job} on LeNet-300 for {@code device} (fc1 at k = 79 of 784), {@code epochs} local epochs. */
    void startRound(String job, int round, String device, BlobRef model, int epochs) {
        RoundStart rs = new RoundStart("lenet300", model, null,
                List.of(new DeviceAssignment(device, List.of(new LayerSpec("fc1", Granularity.WEIGHT, 784, 79)))),
                new TrainingConfig(epochs, 0.1, 50, 5, 0.5, 0, 1.0, TensorEncoding.FLOAT32, 0), 7,
                System.currentTimeMillis() + Duration.ofMinutes(30).toMillis(), 2);
        publisher.publish(Topic.ROUNDS, job, Envelope.of(job, round, AgentHub.COORDINATOR, rs)).join();
    }

    @Override
    public void close() {
        try (AgentHub h = hub) {
            publisher.close();
        }
    }
}
