package io.fedprune.kafka;

import io.fedprune.wire.DeadLetter;
import io.fedprune.wire.Envelope;
import io.fedprune.wire.Rejection;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Publishes rejected records to the dead-letter topic, keyed by their original key, with the original bytes and the
 * reason. Values longer than {@link #MAX_ORIGINAL_BYTES} are cut (the detail says so), so that the dead letter
 * itself always fits the broker's default record limit.
 */
public final class DeadLetters {
    /** Longest original value kept in a dead letter: 256 KiB. */
    public static final int MAX_ORIGINAL_BYTES = 256 * 1024;

    private final Publisher publisher;
    private final String sender;

    /** Dead letters sent through {@code publisher}, signed as {@code sender}. */
    public DeadLetters(Publisher publisher, String sender) {
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.sender = Objects.requireNonNull(sender, "sender");
    }

    /** Dead-letters a consumed record. */
    public CompletableFuture<RecordMetadata> publish(ConsumerRecord<byte[], byte[]> record, Rejection rejection) {
        return publish(record.topic(), record.partition(), record.offset(), record.key(), record.value(), rejection);
    }

    /** Dead-letters any bytes ({@code partition} and {@code offset} -1 if unknown). */
    public CompletableFuture<RecordMetadata> publish(String topic, int partition, long offset, byte[] key, byte[] value, Rejection rejection) {
        byte[] kept = value;
        String detail = rejection.detail();
        if (value != null && value.length > MAX_ORIGINAL_BYTES) {
            kept = Arrays.copyOf(value, MAX_ORIGINAL_BYTES);
            detail += " (original value cut from " + value.length + " to " + MAX_ORIGINAL_BYTES + " bytes)";
        }
        DeadLetter letter = new DeadLetter(topic, partition, offset, key, kept, rejection.reason(), detail);
        return publisher.publish(Topic.DEAD_LETTER, key, Envelope.of(sender, letter));
    }
}
