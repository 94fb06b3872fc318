package io.fedprune.coordinator.job;

import io.fedprune.dpp.Granularity;
import io.fedprune.fuse.Weighting;
import io.fedprune.wire.TensorEncoding;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The job log's spec record against golden files: what version 4 writes, and what older logs read as. */
class JobLogRecordTest {
    private static byte[] golden(String name) throws IOException {
        try (InputStream in = JobLogRecordTest.class.getResourceAsStream("/job-log/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
        }
    }

    private static final JobSpec SPEC = JobSpec.builder()
            .layers(List.of(new JobSpec.LayerPlan("fc1", Granularity.WEIGHT), new JobSpec.LayerPlan("fc2", Granularity.FILTER),
                    new JobSpec.LayerPlan("fc3", Granularity.WEIGHT)))
            .updateEncoding(TensorEncoding.INT8).build("job-1");

    @Test
    void version4IsWrittenExactlyAsTheGoldenFile() throws IOException {
        JobSpec spec = SPEC.toBuilder().tierProximity(1).nestedTraining(true).rowRanks(true).build("job-1");
        assertEquals(new String(golden("v4.json"), StandardCharsets.UTF_8), new String(JobLogRecord.write(spec), StandardCharsets.UTF_8));
        assertEquals(spec, JobLogRecord.read(golden("v4.json")));
        JobSpec off = spec.toBuilder().nestedTraining(false).rowRanks(false).build("job-1");
        assertEquals(off, JobLogRecord.read(JobLogRecord.write(off)));
    }

    @Test
    void aVersion3LogReadsWithDevicesSendingNoRowRanks() throws IOException {
        JobSpec v3 = JobLogRecord.read(golden("v3.json"));
        assertFalse(v3.rowRanks());
        assertEquals(SPEC.toBuilder().tierProximity(1).nestedTraining(true).rowRanks(false).build("job-1"), v3);
    }

    @Test
    void aVersion2LogReadsWithDevicesTrainingTheirOwnTierOnly() throws IOException {
        JobSpec v2 = JobLogRecord.read(golden("v2.json"));
        assertFalse(v2.nestedTraining());
        assertFalse(v2.rowRanks());
        assertEquals(SPEC.toBuilder().tierProximity(1).nestedTraining(false).rowRanks(false).build("job-1"), v2);
    }

    @Test
    void aVersion1LogReadsWithTheSharedRankingItRanWith() throws IOException {
        JobSpec v1 = JobLogRecord.read(golden("v1.json"));
        assertEquals(0.0, v1.tierProximity());
        assertEquals(SPEC.toBuilder().tierProximity(0).nestedTraining(false).build("job-1"), v1);
    }

    @Test
    void anUploadedModelIsLoggedAsItsBlobNeverItsBytes() throws IOException {
        JobSpec withBlob = SPEC.withModelBlob("{\"blobId\":\"b1\"}");
        String json = new String(JobLogRecord.write(withBlob), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"modelBlob\":\"{\\\"blobId\\\":\\\"b1\\\"}\""), json);
        assertFalse(json.contains("modelSafetensors"), json);
        assertEquals(withBlob, JobLogRecord.read(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aLogWrittenBeforeVersionsAndWeightingReadsWithSampleCountWeighting() throws IOException {
        JobSpec old = JobLogRecord.read(golden("v0-before-weighting.json"));
        assertEquals(Weighting.SAMPLES, old.weighting());
        assertEquals("job-0", old.id());
        assertEquals(3L, old.seed());
        assertEquals(JobSpec.builder().weighting(Weighting.SAMPLES).updateEncoding(TensorEncoding.FLOAT32).tierProximity(0).nestedTraining(false)
                .seed(3).build("job-0"), old);
    }

    @Test
    void aNewerVersionOrAnInvalidSpecIsRefused() {
        byte[] v5 = "{\"version\":5,\"id\":\"j\"}".getBytes(StandardCharsets.UTF_8);
        assertTrue(assertThrows(IOException.class, () -> JobLogRecord.read(v5)).getMessage().contains("version 5"));
        byte[] bad = "{\"version\":1,\"id\":\"j\",\"rounds\":0}".getBytes(StandardCharsets.UTF_8);
        assertTrue(assertThrows(IOException.class, () -> JobLogRecord.read(bad)).getMessage().contains("rounds"));
    }
}
