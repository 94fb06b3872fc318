package io.fedprune.coordinator;

import io.fedprune.kafka.KafkaClients;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Leader election through Kafka itself: every coordinator is a member of one consumer group on a single-partition
 * topic ({@code fedprune.jobs}); the member that is assigned the partition leads. Nothing is read (the partition is
 * paused): the group's membership, kept alive by the consumer's heartbeats, is the lease. A leader that dies stops
 * heartbeating and loses the partition after the session timeout; a standby is then assigned it and elected. The
 * cooperative sticky assignor leaves the partition where it is when members join or leave, so a standby starting
 * never interrupts the leader.
 *
 * <p>Listeners run on the election thread, one at a time, in order: elected, deposed, elected, ...
 */
final class Leadership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

    interface Listener {
        /** This instance now leads. */
        void elected();

        /** This instance no longer leads (its partition was revoked or lost). */
        void deposed();
    }

    private final Consumer<byte[], byte[]> consumer;
    private final Listener listener;
    private final Thread thread;
    private volatile boolean leader, running = true;

    Leadership(KafkaClients clients, String topic, String groupId, FailoverConfig config, Listener listener) {
        this.listener = listener;
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) config.sessionTimeoutMs());
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(1, config.sessionTimeoutMs() / 5));
        if (config.instanceId() != null) p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.instanceId());
        consumer = clients.with(p).consumer(groupId, "coordinator-leadership");
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> parts) {
                consumer.pause(parts);   // the assignment is the lease: nothing is read
                if (!parts.isEmpty() && !leader) {
                    leader = true;
                    LOG.info("this coordinator leads: it runs the jobs");
                    listener.elected();
                }
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> parts) {
                if (!parts.isEmpty()) depose("revoked");
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> parts) {
                depose("lost (session expired)");
            }
        });
        thread = new Thread(this::run, "fedprune-leadership");
        thread.setDaemon(true);
        thread.start();
    }

    private void depose(String how) {
        if (!leader) return;
        leader = false;
        LOG.warn("this coordinator no longer leads (partition {}): its jobs stop here and continue on the new leader", how);
        listener.deposed();
    }

    private void run() {
        try {
            while (running) consumer.poll(Duration.ofMillis(500));
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("leader election stopped", e);
            depose("election failed: " + e.getMessage());
        }
    }

    boolean isLeader() {
        return leader;
    }

    boolean alive() {
        return thread.isAlive();
    }

    /**
     * Leaves the election. With a static instance id the group keeps the membership until the session times out (as
     * after a crash); without, it leaves at once and a standby takes over.
     */
    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
        try {
            consumer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.debug("leadership consumer close: {}", e.getMessage());
        }
    }
}
