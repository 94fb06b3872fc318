package io.fedprune.wire;

import java.util.Arrays;
import java.util.Objects;

import static io.fedprune.wire.Checks.orEmpty;
import static io.fedprune.wire.Checks.present;
import static io.fedprune.wire.Checks.text;

/**
 * A rejected record with the reason (topic {@code fedprune.dead-letter}, key: the original key).
 *
 * @param originalTopic     where it was read
 * @param originalPartition its partition, -1 if unknown
 * @param originalOffset    its offset, -1 if unknown
 * @param originalKey       its key bytes (empty if none); copied
 * @param originalValue     its value bytes (possibly cut to a limit, see {@code detail}); copied
 * @param reason            why it was rejected
 * @param detail            the explanation
 */
public record DeadLetter(String originalTopic, int originalPartition, long originalOffset, byte[] originalKey,
                         byte[] originalValue, RejectReason reason, String detail) implements Message {
    public DeadLetter {
        text(originalTopic, "dead_letter.original_topic");
        Checks.atLeast(originalPartition, -1, "dead_letter.original_partition");
        Checks.atLeast(originalOffset, -1L, "dead_letter.original_offset");
        originalKey = originalKey == null ? new byte[0] : originalKey.clone();
        originalValue = originalValue == null ? new byte[0] : originalValue.clone();
        present(reason, "dead_letter.reason");
        detail = orEmpty(detail);
    }

    @Override
    public byte[] originalKey() {
        return originalKey.clone();
    }

    @Override
    public byte[] originalValue() {
        return originalValue.clone();
    }

    @Override
    public MessageType type() {
        return MessageType.DEAD_LETTER;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeadLetter d && originalTopic.equals(d.originalTopic) && originalPartition == d.originalPartition
                && originalOffset == d.originalOffset && Arrays.equals(originalKey, d.originalKey)
                && Arrays.equals(originalValue, d.originalValue) && reason == d.reason && detail.equals(d.detail);
    }

    @Override
    public int hashCode() {
        return Objects.hash(originalTopic, originalPartition, originalOffset, reason, detail) * 961
                + Arrays.hashCode(originalKey) * 31 + Arrays.hashCode(originalValue);
    }

    @Override
    public String toString() {
        return "DeadLetter[" + originalTopic + "@" + originalPartition + ":" + originalOffset + " " + reason + ": " + detail + "]";
    }
}
