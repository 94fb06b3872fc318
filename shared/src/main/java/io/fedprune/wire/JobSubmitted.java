package io.fedprune.wire;

import java.util.Arrays;
import java.util.Objects;

import static io.fedprune.wire.Checks.present;
import static io.fedprune.wire.Checks.text;

/**
 * A job was created; the spec is opaque to the wire layer (the coordinator owns its format, typically JSON).
 *
 * @param contentType e.g. {@code application/json}
 * @param spec        the spec's bytes; copied
 */
public record JobSubmitted(String contentType, byte[] spec) implements JobEvent {
    public JobSubmitted {
        text(contentType, "job_submitted.content_type");
        spec = present(spec, "job_submitted.spec").clone();
    }

    @Override
    public byte[] spec() {
        return spec.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JobSubmitted j && contentType.equals(j.contentType) && Arrays.equals(spec, j.spec);
    }

    @Override
    public int hashCode() {
        return Objects.hash(contentType) * 31 + Arrays.hashCode(spec);
    }

    @Override
    public String toString() {
        return "JobSubmitted[" + contentType + ", " + spec.length + " bytes]";
    }
}
