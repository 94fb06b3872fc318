package io.fedprune.coordinator;

import io.fedprune.Patience;
import io.fedprune.agent.Agent;
import io.fedprune.agent.AgentHub;
import io.fedprune.agent.Enrolment;
import io.fedprune.agent.PartitionSpec;
import io.fedprune.coordinator.fleet.CoordinatorKey;
import io.fedprune.coordinator.fleet.DeviceKeys;
import io.fedprune.coordinator.job.JobRequest;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.data.Mnist;
import io.fedprune.data.TestData;
import io.fedprune.kafka.EmbeddedBroker;
import io.fedprune.kafka.KafkaClients;
import io.fedprune.kafka.SharedBroker;
import io.fedprune.kafka.Topic;
import io.fedprune.kafka.Topics;
import io.fedprune.wire.Budget;
import io.fedprune.wire.DeadLetter;
import io.fedprune.wire.TensorEncoding;
import io.fedprune.wire.WireCodec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the coordinator's fleet integration tests share ({@code @ExtendWith(FleetFixture.class)}): the JVM's broker
 * ({@link SharedBroker}), a fresh work directory per test class (keys, the pretrained model), the MNIST subset, and
 * the job, coordinator settings and agents they run. Each test keeps to its own topic prefix.
 */
final class FleetFixture implements BeforeAllCallback {
    /** The agents' budgets (keep ratios). */
    static final double[] BUDGETS = {0.1, 0.1, 0.25, 0.25};
    static EmbeddedBroker broker;
    static Path work;
    static Mnist.Split mini;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        broker = SharedBroker.broker(context);
        work = Files.createTempDirectory("fedprune-it");
        if (mini == null) mini = Mnist.load(TestData.mnistMini());
    }

    static JobRequest spec(int rounds) {
        return spec(rounds, "FLOAT32");
    }

    /** The IT's job: 3 pretraining epochs, tiers 10% and 25%, a round deadline a busy machine cannot reach, seed 7. */
    static JobRequest spec(int rounds, String encoding) {
        return spec(rounds, encoding, JobSpec.DEFAULT_ROW_RANKS);
    }

    /** {@link #spec(int, String)} with the job's {@code rowRanks}: whether devices send their logits rows' ranks. */
    static JobRequest spec(int rounds, String encoding, boolean rowRanks) {
        return JobSpec.builder().pretrainEpochs(3).tiers(List.of(0.1, 0.25)).rounds(rounds).roundDeadlineMs(1_800_000L)
                .learningRate(0.1).batchSize(64).updateEncoding(TensorEncoding.valueOf(encoding)).rowRanks(rowRanks).seed(7)
                .build("it").toRequest();
    }

    static CoordinatorConfig config(String prefix) {
        return configBuilder(prefix).build();
    }

    /**
     * The tests' coordinator settings: the shared broker, topics under {@code prefix}, the MNIST subset, the work
     * directory, and devices alive for {@link Patience#STEP} after their last heartbeat (a starved heartbeat thread on a
     * busy machine must not drop a device from a round).
     */
    static CoordinatorConfig.Builder configBuilder(String prefix) {
        return CoordinatorConfig.builder().bootstrapServers(broker.bootstrapServers()).topicPrefix(prefix)
                .dataDir(TestData.mnistMini().toString()).workDir(work.toString()).deviceLiveMs(Patience.STEP.toMillis());
    }

    /**
     * The operator's key list: enrols a device by writing its key into the work directory's key file, before the
     * coordinator starts (it reads the file then), and returns the coordinator's key from its key file.
     */
    static Enrolment keyList() {
        return (id, key) -> {
            new DeviceKeys(work.resolve(CoordinatorNode.DEVICE_KEYS_FILE)).enrol(id, key, true);
            return CoordinatorKey.loadOrCreate(work.resolve(CoordinatorNode.COORDINATOR_KEY_FILE)).getPublic();
        };
    }

    /** Starts 4 agents on an IID split of the subset, enrolled through {@code enrolment}. */
    static AgentHub agents(String prefix, Enrolment enrolment) {
        AgentHub hub = AgentHub.start(AgentHub.Config.defaults(broker.bootstrapServers()).withTopicPrefix(prefix).withHeartbeatMs(500), enrolment);
        for (int i = 0; i < BUDGETS.length; i++) {
            PartitionSpec part = PartitionSpec.parse("iid:" + i + "/" + BUDGETS.length + ":3");
            hub.add(new Agent(new Agent.Settings("agent-" + i, Budget.ofKeep(BUDGETS[i]), part.apply(mini.train()),
                    part.applyTest(mini.train(), mini.test()), null)));
        }
        return hub;
    }

    /** Everything on the dead-letter topic so far. */
    static List<DeadLetter> deadLetters(KafkaClients clients, Topics topics) {
        WireCodec codec = WireCodec.standard();
        List<DeadLetter> out = new ArrayList<>();
        try (Consumer<byte[], byte[]> c = clients.consumer(null, "it-dead-letters")) {
            TopicPartition tp = new TopicPartition(topics.name(Topic.DEAD_LETTER), 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end)
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200)))
                    out.add((DeadLetter) codec.decode(r.value()).value().body());
        }
        return out;
    }
}
