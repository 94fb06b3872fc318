package io.fedprune.coordinator.round;

import io.fedprune.Patience;
import io.fedprune.coordinator.fleet.FleetRegistry;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.model.Tensor;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Budget;
import io.fedprune.wire.DeviceAssignment;
import io.fedprune.wire.DeviceProfile;
import io.fedprune.wire.DeviceState;
import io.fedprune.wire.JobCancel;
import io.fedprune.wire.JobState;
import io.fedprune.wire.LocalMetrics;
import io.fedprune.wire.RoundStart;
import io.fedprune.wire.TensorEncoding;
import io.fedprune.wire.Timings;
import io.fedprune.wire.Update;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How rounds and jobs end early: devices that drop out are named, a cancel is sent to the agents. Injected clock. */
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
class JobEndingsTest {
    private static final Model MODEL = Model.init(ModelArch.LENET300.graph(), 7);
    private static final List<String> DEVICES = List.of("d1", "d2", "d3", "d4");

    private record Job(JobRunner runner, MemoryRoundTransport transport, JobRunnerTest.Recorder rec, AtomicLong clock, Thread thread) {
        RoundStart awaitRoundStart(int round) {
            Patience.await().until(() -> transport.roundStarts().size() >= round);
            return transport.roundStarts().get(round - 1);
        }

        void reply(String device, int round) throws Exception {
            RoundStart rs = transport.roundStarts().get(round - 1);
            DeviceAssignment a = rs.assignments().stream().filter(x -> x.deviceId().equals(device)).findFirst().orElseThrow();
            List<Tensor> logits = transport.getTensors(rs.globalLogits());
            Update u = new Update(device, a.layers(), new BlobRef("b-" + device, "0".repeat(64), 1, 1, ""), List.of(), TensorEncoding.FLOAT32,
                    100, new LocalMetrics(1, 0.5, 0.5, 0.9, 100), new Timings(0, 5, 0, 0), round - 1, 32, new byte[0]);
            runner.offer(ReceivedUpdate.of("job-e", round, u, logits, 10, null, new byte[0]));
        }
    }

    private static Job start(int rounds) {
        AtomicLong clock = new AtomicLong(1_000_000);
        FleetRegistry fleet = new FleetRegistry(600_000);
        for (String d : DEVICES) fleet.seen(new DeviceProfile(d, Budget.ofKeep(0.1), 100, List.of(), "t"), DeviceState.IDLE, clock.get());
        MemoryRoundTransport transport = new MemoryRoundTransport();
        JobRunnerTest.Recorder rec = new JobRunnerTest.Recorder();
        JobSpec spec = JobSpec.builder().pretrainEpochs(0).rounds(rounds).roundDeadlineMs(60_000L).seed(3L).build("job-e");
        JobRunner runner = new JobRunner(spec, MODEL, new BlobRef("model", "0".repeat(64), 1, 1, ""), fleet, transport,
                masks -> new Evaluator.Accuracy(OptionalDouble.of(0.5), OptionalDouble.empty()), rec, clock::get, null);
        Thread t = new Thread(runner, "job-e");
        t.start();
        return new Job(runner, transport, rec, clock, t);
    }

    @Test
    void devicesThatDoNotReplyByTheDeadlineAreNamedInTheRoundResult() throws Exception {
        Job job = start(1);
        RoundStart rs = job.awaitRoundStart(1);
        assertEquals(DEVICES.size(), rs.assignments().size());
        job.reply("d2", 1);
        job.reply("d4", 1);
        Patience.await().until(() -> job.runner.progress().replied() == 2);
        job.clock.addAndGet(60_001);                                   // past the deadline: d1 and d3 dropped out
        Patience.await().until(() -> !job.thread.isAlive());
        assertEquals(JobState.COMPLETED, job.rec.state, job.rec.reason);
        var result = job.rec.rounds.get(0);
        assertEquals(4, result.selected());
        assertEquals(2, result.replied());
        assertEquals(List.of("d1", "d3"), result.dropped());
    }

    @Test
    void aCancelledJobTellsTheAgents() throws Exception {
        Job job = start(3);
        job.awaitRoundStart(1);
        job.reply("d1", 1);
        job.runner.cancel();
        Patience.await().until(() -> !job.thread.isAlive());
        assertEquals(JobState.CANCELLED, job.rec.state);
        assertEquals(List.of(new JobCancel("cancelled in round 1")), job.transport.cancels());
        assertTrue(job.rec.rounds.isEmpty(), "the cancelled round is not recorded");
    }
}
