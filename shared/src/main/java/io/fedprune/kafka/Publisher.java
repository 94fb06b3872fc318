package io.fedprune.kafka;

import io.fedprune.wire.Envelope;
import io.fedprune.wire.WireCodec;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * Encodes envelopes and sends them to fedprune topics. Thread-safe (Kafka producers are). Closing it closes the
 * producer.
 */
public final class Publisher implements AutoCloseable {
    private final Producer<byte[], byte[]> producer;
    private final Topics topics;
    private final WireCodec codec;
    private final UnaryOperator<Envelope> signer;

    /** A publisher over {@code producer} (which it owns from now on) that sends envelopes as they are. */
    public Publisher(Producer<byte[], byte[]> producer, Topics topics, WireCodec codec) {
        this(producer, topics, codec, UnaryOperator.identity());
    }

    /**
     * A publisher that passes every envelope through {@code signer} before sending it (e.g. signing those of senders
     * it holds a key for, see {@link io.fedprune.wire.Signatures}).
     */
    public Publisher(Producer<byte[], byte[]> producer, Topics topics, WireCodec codec, UnaryOperator<Envelope> signer) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.signer = Objects.requireNonNull(signer, "signer");
    }

    /** The topic settings this publisher sends to. */
    public Topics topics() {
        return topics;
    }

    /** Sends {@code envelope} to {@code topic} with a UTF-8 key; completes when the broker acknowledged it. */
    public CompletableFuture<RecordMetadata> publish(Topic topic, String key, Envelope envelope) {
        return publish(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), envelope);
    }

    /** Sends {@code envelope} to {@code topic} with raw key bytes; completes when the broker acknowledged it. */
    public CompletableFuture<RecordMetadata> publish(Topic topic, byte[] key, Envelope envelope) {
        return send(new ProducerRecord<>(topics.name(topic), key, codec.encode(signer.apply(envelope))));
    }

    /** Sends a tombstone (null value) for {@code key}, which deletes it from a compacted topic. */
    public CompletableFuture<RecordMetadata> tombstone(Topic topic, String key) {
        return send(new ProducerRecord<>(topics.name(topic), key.getBytes(StandardCharsets.UTF_8), null));
    }

    /** Sends a raw record (already encoded); completes when the broker acknowledged it. */
    public CompletableFuture<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
        CompletableFuture<RecordMetadata> f = new CompletableFuture<>();
        try {
            producer.send(record, (meta, error) -> {
                if (error != null) f.completeExceptionally(error);
                else f.complete(meta);
            });
        } catch (RuntimeException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    /** Waits until everything sent so far is acknowledged (or failed). */
    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }

    /** Closes the producer, waiting at most {@code timeout} for records still in flight (e.g. with the broker down). */
    public void close(java.time.Duration timeout) {
        producer.close(timeout);
    }
}
