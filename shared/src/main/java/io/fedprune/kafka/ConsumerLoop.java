package io.fedprune.kafka;

import io.fedprune.wire.Decoded;
import io.fedprune.wire.Envelope;
import io.fedprune.wire.InvalidMessageException;
import io.fedprune.wire.MessageType;
import io.fedprune.wire.MessageVerifier;
import io.fedprune.wire.RejectReason;
import io.fedprune.wire.Rejection;
import io.fedprune.wire.WireCodec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidGroupIdException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;

/**
 * The one consumer loop of fedprune: poll, decode, hand each envelope to a {@link Handler}. Records that do not
 * decode (or whose type is not accepted) and records whose handler throws are published to the dead-letter topic
 * with the reason (tombstones, i.e. null values on compacted topics, are skipped and counted, not rejected); a
 * handler throwing {@link InvalidMessageException} chooses the reason (e.g.
 * {@link RejectReason#DUPLICATE}), any other exception is {@link RejectReason#HANDLER_ERROR}. Nothing a record does
 * stops the loop; only {@link #close()} does. Transport errors are logged and polling goes on.
 *
 * <p>The consumer must already be subscribed or assigned; the loop owns it from then on and closes it. With a group
 * id, offsets are committed after each handled batch (at-least-once: handlers must tolerate a record twice), without
 * waiting for the broker's answer (a commit costs a round trip to the group coordinator, which would hold up the next
 * poll: on the coordinator's updates topic, the next updates of a round; a failed commit is logged and the next one
 * covers it), and once more, waiting, when the loop closes. A crash may lose the last commits: their records are
 * handled again, as at-least-once allows.
 *
 * <pre>{@code
 * Consumer<byte[], byte[]> c = clients.consumer("coordinator", "coordinator-updates");
 * c.subscribe(List.of(topics.name(Topic.UPDATES)));
 * ConsumerLoop loop = ConsumerLoop.builder("updates", c, (envelope, record) -> rounds.accept(envelope))
 *         .accept(MessageType.UPDATE).deadLetters(deadLetters).build().start();
 * }</pre>
 */
public final class ConsumerLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerLoop.class);

    /** Handles one decoded envelope. */
    @FunctionalInterface
    public interface Handler {
        /** Handles {@code envelope}, read from {@code record}; may throw, which dead-letters the record. */
        void handle(Envelope envelope, ConsumerRecord<byte[], byte[]> record) throws Exception;
    }

    /**
     * Counters since start.
     *
     * @param handled            records handed to the handler that returned normally
     * @param rejected           records not decoded, of a type not accepted, or refused by the verifier
     * @param handlerFailures    records whose handler threw
     * @param deadLetterFailures dead letters that could not be published (logged)
     * @param tombstones         records with a null value (deletions on compacted topics), skipped
     */
    public record Stats(long handled, long rejected, long handlerFailures, long deadLetterFailures, long tombstones) {
    }

    private final String name;
    private final Consumer<byte[], byte[]> consumer;
    private final Handler handler;
    private final WireCodec codec;
    private final Set<MessageType> accepted;
    private final DeadLetters deadLetters;
    private final BiConsumer<ConsumerRecord<byte[], byte[]>, Rejection> onReject;
    private final java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> onTombstone;
    private final Duration pollTimeout;
    private final MessageVerifier verifier;
    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong handlerFailures = new AtomicLong();
    private final AtomicLong deadLetterFailures = new AtomicLong();
    private final AtomicLong tombstones = new AtomicLong();
    private volatile boolean closed;
    private volatile Thread thread;
    private boolean commit = true;
    /** Whether records were handled since the last commit that was waited for. */
    private boolean uncommitted;

    private ConsumerLoop(Builder b) {
        this.name = b.name;
        this.consumer = b.consumer;
        this.handler = b.handler;
        this.codec = b.codec;
        this.accepted = b.accepted;
        this.deadLetters = b.deadLetters;
        this.onReject = b.onReject;
        this.onTombstone = b.onTombstone;
        this.pollTimeout = b.pollTimeout;
        this.verifier = b.verifier;
    }

    /** Starts building a loop named {@code name} (used for its thread and logs). */
    public static Builder builder(String name, Consumer<byte[], byte[]> consumer, Handler handler) {
        return new Builder(name, consumer, handler);
    }

    /** Runs the loop on a new daemon thread named {@code fedprune-<name>}; returns this. */
    public ConsumerLoop start() {
        Thread t = new Thread(this::run, "fedprune-" + name);
        t.setDaemon(true);
        thread = t;
        t.start();
        return this;
    }

    /** Runs the loop in the calling thread until {@link #close()}; then closes the consumer. */
    public void run() {
        if (thread == null) thread = Thread.currentThread();
        try {
            while (!closed) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(pollTimeout);
                } catch (WakeupException | InterruptException e) {
                    continue;   // close() woke us up; the loop condition decides
                } catch (KafkaException e) {
                    LOG.warn("{}: poll failed, retrying: {}", name, e.toString());
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> r : records) process(r);
                if (!records.isEmpty()) commit();
            }
        } finally {
            commitOnClose();
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("{}: closing the consumer failed: {}", name, e.toString());
            }
        }
    }

    /** Decodes and dispatches one record; never throws (Errors of the JVM aside). */
    void process(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {   // a tombstone: a deletion on a compacted topic, not a message
            tombstones.incrementAndGet();
            try {
                if (onTombstone != null) onTombstone.accept(r);
            } catch (RuntimeException e) {
                LOG.warn("{}: tombstone listener failed on {}@{}:{}: {}", name, r.topic(), r.partition(), r.offset(), e.toString());
            }
            return;
        }
        Decoded<Envelope> d = codec.decode(r.value(), accepted);
        if (!d.isOk()) {
            rejected.incrementAndGet();
            reject(r, d.rejection());
            return;
        }
        if (verifier != null) {
            var refused = verifier.check(d.value());
            if (refused.isPresent()) {
                rejected.incrementAndGet();
                reject(r, refused.get());
                return;
            }
        }
        try {
            handler.handle(d.value(), r);
            handled.incrementAndGet();
        } catch (InvalidMessageException e) {
            handlerFailures.incrementAndGet();
            reject(r, e.rejection());
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            handlerFailures.incrementAndGet();
            LOG.warn("{}: handler failed on {}@{}:{}", name, r.topic(), r.partition(), r.offset(), e);
            reject(r, new Rejection(RejectReason.HANDLER_ERROR, e.toString()));
        }
    }

    private void reject(ConsumerRecord<byte[], byte[]> r, Rejection rejection) {
        LOG.info("{}: rejected {}@{}:{}: {}", name, r.topic(), r.partition(), r.offset(), rejection);
        try {
            if (onReject != null) onReject.accept(r, rejection);
        } catch (RuntimeException e) {
            LOG.warn("{}: reject listener failed: {}", name, e.toString());
        }
        if (deadLetters == null) return;
        try {
            deadLetters.publish(r, rejection).whenComplete((meta, error) -> {
                if (error != null) {
                    deadLetterFailures.incrementAndGet();
                    LOG.error("{}: could not dead-letter {}@{}:{} ({}): {}", name, r.topic(), r.partition(), r.offset(), rejection, error.toString());
                }
            });
        } catch (RuntimeException e) {
            deadLetterFailures.incrementAndGet();
            LOG.error("{}: could not dead-letter {}@{}:{}: {}", name, r.topic(), r.partition(), r.offset(), e.toString());
        }
    }

    private void commit() {
        if (!commit) return;
        try {
            consumer.commitAsync((offsets, error) -> {   // called on this thread, in a later poll or commit
                if (error != null) LOG.warn("{}: commit failed (records may be seen again): {}", name, error.toString());
            });
            uncommitted = true;
        } catch (InvalidGroupIdException e) {
            commit = false;   // assigned without a group: nothing to commit
        } catch (WakeupException | InterruptException e) {
            // closing
        } catch (KafkaException e) {
            LOG.warn("{}: commit failed (records may be seen again): {}", name, e.toString());
        }
    }

    /** Commits what was handled, waiting (a wake-up left by {@link #close()} is taken once). */
    private void commitOnClose() {
        for (int attempt = 0; commit && uncommitted && attempt < 2; attempt++) {
            try {
                consumer.commitSync(Duration.ofSeconds(5));
                uncommitted = false;
            } catch (WakeupException e) {
                // close() woke the consumer up: once more
            } catch (InterruptException e) {
                return;
            } catch (KafkaException e) {
                LOG.warn("{}: commit on close failed (records may be seen again): {}", name, e.toString());
                return;
            }
        }
    }

    /** Counters since start. */
    public Stats stats() {
        return new Stats(handled.get(), rejected.get(), handlerFailures.get(), deadLetterFailures.get(), tombstones.get());
    }

    /** Whether the loop's thread runs (false before {@link #start()}, after {@link #close()}, or if it died). */
    public boolean alive() {
        Thread t = thread;
        return !closed && t != null && t.isAlive();
    }

    /** The loop's name. */
    public String name() {
        return name;
    }

    /** Stops the loop, waits up to 10 s for it to finish and closes the consumer. */
    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Options of a {@link ConsumerLoop}. */
    public static final class Builder {
        private final String name;
        private final Consumer<byte[], byte[]> consumer;
        private final Handler handler;
        private WireCodec codec = WireCodec.standard();
        private Set<MessageType> accepted = EnumSet.allOf(MessageType.class);
        private DeadLetters deadLetters;
        private BiConsumer<ConsumerRecord<byte[], byte[]>, Rejection> onReject;
        private java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> onTombstone;
        private Duration pollTimeout = Duration.ofMillis(200);
        private MessageVerifier verifier;

        private Builder(String name, Consumer<byte[], byte[]> consumer, Handler handler) {
            this.name = Objects.requireNonNull(name, "name");
            this.consumer = Objects.requireNonNull(consumer, "consumer");
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        /** The codec (default {@link WireCodec#standard()}). */
        public Builder codec(WireCodec c) {
            this.codec = Objects.requireNonNull(c);
            return this;
        }

        /** The message types this topic carries; others are rejected as {@link RejectReason#WRONG_TYPE} (default all). */
        public Builder accept(MessageType first, MessageType... rest) {
            this.accepted = EnumSet.of(first, rest);
            return this;
        }

        /** Where rejected records go (default: nowhere, only logged and counted). */
        public Builder deadLetters(DeadLetters d) {
            this.deadLetters = d;
            return this;
        }

        /** Called for every rejected record, e.g. to count it (default none). */
        public Builder onReject(BiConsumer<ConsumerRecord<byte[], byte[]>, Rejection> listener) {
            this.onReject = listener;
            return this;
        }

        /** Called for every tombstone (null value), e.g. a device removed from the compacted devices topic (default none). */
        public Builder onTombstone(java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> listener) {
            this.onTombstone = listener;
            return this;
        }

        /**
         * Checks every decoded envelope before the handler sees it; refused ones (unsigned, badly signed, unknown or
         * revoked key, replayed) are rejected with the verifier's reason and never reach the handler (default none).
         */
        public Builder verify(MessageVerifier v) {
            this.verifier = v;
            return this;
        }

        /** How long one poll waits (default 200 ms). */
        public Builder pollTimeout(Duration d) {
            this.pollTimeout = Objects.requireNonNull(d);
            return this;
        }

        /** The loop, not started. */
        public ConsumerLoop build() {
            return new ConsumerLoop(this);
        }
    }
}
