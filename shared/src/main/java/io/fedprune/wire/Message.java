package io.fedprune.wire;

/** The body of an {@link Envelope}: one of the protocol's message records. */
public sealed interface Message permits DeviceHello, Heartbeat, RoundStart, Update, Deployment, DeploymentAck, JobEvent,
        DeadLetter, BlobChunk, JobCancel {

    /** The envelope type this body travels as. */
    MessageType type();

    /** Whether the envelope must name a job (non-empty job id). */
    default boolean jobScoped() {
        return false;
    }

    /** Whether the envelope must name a round ({@code >= 1}). */
    default boolean roundScoped() {
        return false;
    }
}
