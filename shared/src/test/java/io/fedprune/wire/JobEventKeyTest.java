package io.fedprune.wire;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The job log's compaction keys: one per event to keep, as docs/PROTOCOL.md lists them. */
class JobEventKeyTest {
    @Test
    void everyEventKindHasItsDocumentedKey() {
        assertEquals("job-1/submitted", JobEvent.key("job-1", 0, new JobSubmitted("application/json", new byte[]{'{', '}'})));
        assertEquals("job-1/status", JobEvent.key("job-1", 3, new JobStatus(JobState.RUNNING, "")));
        RoundResult r = new RoundResult(1, 1, 0, 0, 0, 5, 1, null, List.of(), 0, 0, Map.of(), List.of());
        assertEquals("job-1/round-3", JobEvent.key("job-1", 3, r));
        Deployment d = (Deployment) Samples.all().get("deployment").body();
        assertEquals("job-1/deployed/" + d.tier(), JobEvent.key("job-1", 3, new JobDeployed(d)));
        assertEquals("job-1/ack/keep-0.10/device-7",
                JobEvent.key("job-1", 3, new JobAcked(DeploymentAck.applied("device-7", "keep-0.10", 0.955, 1000))));
    }
}
