package io.fedprune.wire;

import java.util.UUID;

import static io.fedprune.wire.Checks.atLeast;
import static io.fedprune.wire.Checks.bad;
import static io.fedprune.wire.Checks.orEmpty;
import static io.fedprune.wire.Checks.present;
import static io.fedprune.wire.Checks.text;

/**
 * One record on a fedprune topic: the message body with its context. The schema version is not a field: the
 * codec writes {@link WireCodec#SCHEMA_VERSION} and rejects anything else.
 *
 * @param jobId       the job; empty for messages outside a job (hello, heartbeat, blob chunk); required for
 *                    round starts, updates, deployments, acks and job events
 * @param round       the round, counting from 1; 0 outside a round; required ({@code >= 1}) for round starts,
 *                    updates and round results
 * @param messageId   unique id of this message (a UUID by default), for de-duplication
 * @param sender      who sent it: a device id or e.g. {@code coordinator}
 * @param timestampMs the sender's clock in Unix epoch milliseconds
 * @param body        the message
 * @param signature   the sender's Ed25519 signature ({@link Signatures}); empty if unsigned; copied
 */
public record Envelope(String jobId, int round, String messageId, String sender, long timestampMs, Message body, byte[] signature) {

    public Envelope {
        jobId = orEmpty(jobId);
        atLeast(round, 0, "round");
        text(messageId, "message_id");
        text(sender, "sender");
        atLeast(timestampMs, 0L, "timestamp_ms");
        present(body, "body");
        if (body.jobScoped() && jobId.isBlank()) throw bad("job_id must not be blank for " + body.type());
        if (body.roundScoped() && round < 1) throw bad("round must be >= 1 for " + body.type() + ", was " + round);
        signature = signature == null ? new byte[0] : signature.clone();
    }

    /** An unsigned envelope. */
    public Envelope(String jobId, int round, String messageId, String sender, long timestampMs, Message body) {
        this(jobId, round, messageId, sender, timestampMs, body, null);
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** Whether a signature is attached (not whether it verifies: see {@link Signatures#verify}). */
    public boolean signed() {
        return signature.length > 0;
    }

    /** The same envelope with {@code sig} as its signature (null or empty: unsigned). */
    public Envelope withSignature(byte[] sig) {
        return new Envelope(jobId, round, messageId, sender, timestampMs, body, sig);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Envelope e && jobId.equals(e.jobId) && round == e.round && messageId.equals(e.messageId)
                && sender.equals(e.sender) && timestampMs == e.timestampMs && body.equals(e.body)
                && java.util.Arrays.equals(signature, e.signature);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(jobId, round, messageId, sender, timestampMs, body) * 31 + java.util.Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "Envelope[" + type() + " job=" + jobId + " round=" + round + " id=" + messageId + " from=" + sender
                + (signed() ? " signed" : " unsigned") + ": " + body + "]";
    }

    /** An envelope with a random message id, stamped now. */
    public static Envelope of(String jobId, int round, String sender, Message body) {
        return new Envelope(jobId, round, UUID.randomUUID().toString(), sender, System.currentTimeMillis(), body);
    }

    /** An envelope outside any job and round, with a random message id, stamped now. */
    public static Envelope of(String sender, Message body) {
        return of("", 0, sender, body);
    }

    /** The body's type. */
    public MessageType type() {
        return body.type();
    }
}
