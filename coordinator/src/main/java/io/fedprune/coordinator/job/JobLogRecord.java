package io.fedprune.coordinator.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;

/**
 * The job spec as the job log ({@code fedprune.jobs}, a {@code JobSubmitted} event) holds it: a JSON object with
 * {@code "version": 4} followed by the fields of {@link JobRequest}, every one set except {@code modelSafetensors}
 * (the model bytes are never logged; {@code modelBlob} points at them, and is absent without an upload).
 *
 * <p>Versions read: 4 (with {@code rowRanks}); 3 (with {@code nestedTraining}), whose specs ran before
 * {@code rowRanks} existed, with devices sending no row ranks ({@code rowRanks} false); 2 (with {@code tierProximity}), whose specs ran before
 * {@code nestedTraining} existed, with devices training at their own tier only ({@code nestedTraining} false); 1,
 * whose specs ran before {@code tierProximity} existed, with the shared ranking of all tiers ({@code tierProximity} 0);
 * and 0 (no {@code version} field: logs written before it
 * existed), whose specs also ran with sample-count weighting when they have no {@code weighting} field. A newer version
 * is refused, not guessed at: an older coordinator must not resume a job with a fusion it does not know. The golden
 * files under {@code src/test/resources/job-log/} pin all five.
 */
public final class JobLogRecord {
    /** The version written. */
    public static final int VERSION = 4;

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private JobLogRecord() {
    }

    /** The record of a spec. */
    public static byte[] write(JobSpec spec) {
        ObjectNode node = JSON.createObjectNode().put("version", VERSION);
        node.setAll((ObjectNode) JSON.valueToTree(spec.toRequest()));
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The spec of a record.
     *
     * @throws IOException if it is not JSON, of a newer version, or its spec is not valid
     */
    public static JobSpec read(byte[] record) throws IOException {
        return read(record, request -> null);
    }

    /**
     * The spec of a record whose model may be imported: {@code importedGraph} gives the graph of the model in a logged
     * request's {@code modelBlob} (null if that blob holds a built-in's weights).
     *
     * @throws IOException if it is not JSON, of a newer version, its spec is not valid or its model cannot be read
     */
    public static JobSpec read(byte[] record, java.util.function.Function<JobRequest, io.fedprune.model.Graph> importedGraph) throws IOException {
        ObjectNode node = (ObjectNode) JSON.readTree(record);
        int version = node.path("version").asInt(0);
        if (version > VERSION) throw new IOException("job log record version " + version + " is newer than this reader (" + VERSION + ")");
        node.remove("version");
        JobRequest r = JSON.treeToValue(node, JobRequest.class);
        if (version == 0 && r.weighting() == null) node.put("weighting", "SAMPLES");
        if (version < 2 && r.tierProximity() == null) node.put("tierProximity", 0.0);
        if (version < 3 && r.nestedTraining() == null) node.put("nestedTraining", false);
        if (version < 4 && r.rowRanks() == null) node.put("rowRanks", false);
        try {
            return JSON.treeToValue(node, JobRequest.class).validate(r.id(), JobLimits.NONE, r.modelBlob() == null ? null : importedGraph.apply(r));
        } catch (IllegalArgumentException e) {   // an InvalidFieldException, or a model blob that is not a model
            throw new IOException("invalid job spec in the log: " + e.getMessage(), e);
        }
    }
}
