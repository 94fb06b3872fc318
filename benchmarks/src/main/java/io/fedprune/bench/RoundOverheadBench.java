package io.fedprune.bench;

import io.fedprune.coordinator.CoordinatorConfig;
import io.fedprune.coordinator.CoordinatorNode;
import io.fedprune.coordinator.FailoverConfig;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.coordinator.job.JobViews;
import io.fedprune.coordinator.round.RoundMeters;
import io.fedprune.coordinator.round.RoundMeters.Phase;
import io.fedprune.kafka.EmbeddedBroker;
import io.fedprune.kafka.KafkaClients;
import io.fedprune.kafka.Topics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static io.fedprune.bench.Interleaved.f;
import static io.fedprune.bench.Interleaved.median;

/**
 * Round overhead: a real coordinator ({@link CoordinatorNode}) runs a job against a real broker (embedded KRaft) with a
 * {@link StubFleet} of 10, 50 and 200 devices whose training costs exactly {@code T}, so that a round's wall time minus
 * {@code T} (the slowest device's training) is what the system costs. The round's parts come from the coordinator's
 * own timers ({@link RoundMeters}, the Prometheus metrics) and the fleet's clock.
 *
 * <p>A round is measured from the moment the devices had its global logits (training starts) to the moment they had
 * the next round's, so it includes everything between: the upload of the updates, their fetch, decode and fold on the
 * coordinator, fusion, whatever the loop does before the next round, and the next round's dispatch. The first round
 * (warm-up: the JIT, the fleet's first fetch) and the last (it is followed by the deployment) are not counted.
 */
final class RoundOverheadBench {
    private RoundOverheadBench() {
    }

    /** One fleet to measure: its size, and whether the job asks the devices for their row ranks ({@link JobSpec#rowRanks}). */
    record Fleet(int devices, boolean rowRanks) {
        String label() {
            return rowRanks ? devices + ", device ranks" : String.valueOf(devices);
        }
    }

    /**
     * {@code RoundOverheadBench [--devices 10,50,200] [--row-ranks false] [--rounds 8] [--train-ms 3000] [--data data/mnist]
     * [--work work/bench/rounds]}: prints the section for those fleets (e.g. to profile one of them).
     */
    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        Map<String, String> a = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i], args[i + 1]);
        boolean ranks = Boolean.parseBoolean(a.getOrDefault("--row-ranks", "false"));
        List<Fleet> fleets = java.util.Arrays.stream(a.getOrDefault("--devices", "10,50,200").split(",")).map(d -> new Fleet(Integer.parseInt(d), ranks)).toList();
        System.out.println(run(fleets, Integer.parseInt(a.getOrDefault("--rounds", "8")), Long.parseLong(a.getOrDefault("--train-ms", "3000")),
                Path.of(a.getOrDefault("--data", "data/mnist")), Path.of(a.getOrDefault("--work", "work/bench/rounds"))));
    }

    /** The suite's section. */
    static String section(boolean quick, Path data, Path work) throws Exception {
        return run(List.of(new Fleet(10, false), new Fleet(50, false), new Fleet(200, false), new Fleet(200, true)), quick ? 4 : 8, quick ? 2000 : 3000, data, work);
    }

    static String run(List<Fleet> fleets, int rounds, long trainMs, Path data, Path work) throws Exception {
        StringBuilder md = new StringBuilder();
        List<Result> results = new ArrayList<>();
        try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Config.defaults())) {
            System.out.println("warm-up (not measured): " + runFleet(broker, data, work, fleets.get(0), rounds, trainMs).row());
            for (Fleet fleet : fleets) {
                Result r = runFleet(broker, data, work, fleet, rounds, trainMs);
                System.out.println(r.row());
                results.add(r);
            }
        }
        md.append(f("A coordinator (`CoordinatorNode`, default settings: tiers 5/10/25%%, rank fusion, every tier evaluated on the "
                + "%s test images) runs a %d-round LeNet-300-100 job (%s updates, every device selected, quorum 1) over an embedded "
                + "KRaft broker, with a fleet of stub devices in the same JVM whose training is a fixed sleep of T = %d ms (meanwhile "
                + "each prepares its update: the round's logits plus noise, encoded, chunked, hashed, signed; then all upload at once, "
                + "through %d producers, i.e. connections to the broker, as devices each have their own). "
                + "A round runs from the moment the devices have its logits to the moment they have the next round's; overhead = "
                + "round - T. Medians over rounds 2..%d (round 1 warms up, the last is followed by the deployment), in ms, after "
                + "a warm-up job of the first fleet that is not measured (the section runs in a fresh JVM; without the warm-up "
                + "the first fleet's rounds measured the JIT's work: 289, 197, 160, 156, 126, 140 ms at 10 devices in the full "
                + "run on 2f99f54). "
                + "*device ranks*: the same job with `rowRanks` on, so each device also sends its rows' ranks (16 more bits per "
                + "parameter) and the coordinator folds them instead of sorting every row itself.%n%n",
                "MNIST", rounds, JobSpec.DEFAULT_UPDATE_ENCODING, trainMs, StubFleet.CONNECTIONS, rounds - 1));
        Interleaved.Table t = new Interleaved.Table("devices", "round", "**overhead**", "dispatch", "to devices", "after training",
                "upload", "fold tail", "decode", "fold", "fold CPU", "fusion", "publish", "tiers & evaluation", "other", "report beside the loop",
                "loop CPU", "process CPU", "overhead per round");
        for (Result r : results) t.row(r.cells());
        md.append(t);
        md.append("""

                Parts (each a median over the rounds, so they need not add up exactly): *dispatch* = the coordinator's selection, \
                global-logits blob and round start (`fedprune.round.phase{phase=dispatch}`); *to devices* = from the round start's \
                record time until the devices have its logits (delivery and blob fetch); *after training* = from the end of the \
                devices' training until the quorum's last update is folded in (`collect` - T - to devices), of which *fold tail* = \
                from the loop's taking the last update until every fold is done (`fedprune.round.fold_tail`: the folding the uploads \
                did not hide) and *upload* = the rest (transfer through the broker, the coordinator's blob reader, the updates' \
                decoding and the loop's checks); *decode* and *fold* = the sums over the round's updates of their wall times \
                (`fedprune.update.decode`, `fedprune.update.fold`), on %d threads each and beside the transfer of later updates, so \
                they may exceed the after-training time; *fold CPU* = the folding threads' CPU time in the round; \
                *fusion* = fused logits and server optimiser (`fusion`); *publish* = the fused logits blob (`publish`); \
                *tiers & evaluation* = what the round loop spends on the round's report: metrics, tier cut and evaluation, the \
                round result in the job log (`report`: it waits for the previous round's report, which runs beside the loop); \
                *other* = overhead minus all these; *report beside the loop* = the report's own time (`fedprune.round.report`), \
                not on the round's path as long as it is shorter than the next round; *loop CPU* = CPU time of the round loop's \
                thread in the round (the updates' checks, fusion, publish, dispatch); *process CPU* = CPU time of the whole JVM in the round \
                (broker, coordinator and the stub devices' preparation of their updates, over all cores): on a loaded machine the \
                wall times stretch with the load, the CPU times much less.
                """.formatted(Runtime.getRuntime().availableProcessors()));
        long late = results.stream().mapToLong(r -> r.latePreparations).sum(), failed = results.stream().mapToLong(r -> r.failedUploads).sum();
        if (late > 0) md.append(f("%n%d updates were not prepared within T (their upload started late): the after-training figures include that.%n", late));
        if (failed > 0) md.append(f("%n%d uploads failed (the broker did not answer in time) and were sent again: the after-training figures include that.%n", failed));
        return md.toString();
    }

    /** Timer totals (ns) and counts at one moment. */
    private record Snap(Map<Phase, Double> phases, double fetch, double decode, double fold, double report, double foldTail, long dispatches,
                        long processCpu, long loopCpu, long foldCpu) {
        private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

        static Snap of(RoundMeters m) {
            Map<Phase, Double> p = new EnumMap<>(Phase.class);
            for (Phase ph : Phase.values()) p.put(ph, m.phase(ph).totalTime(TimeUnit.NANOSECONDS));
            return new Snap(p, total(m.fetch()), total(m.decode()), total(m.fold()), total(m.report()), total(m.foldTail()), m.phase(Phase.DISPATCH).count(),
                    ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime(),
                    cpu("fedprune-job"), cpu("fedprune-fold"));
        }

        /** CPU time of the live threads of that name (the coordinator's pools keep their threads for the job). */
        private static long cpu(String thread) {
            return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(thread))
                    .mapToLong(t -> Math.max(0, THREADS.getThreadCpuTime(t.getId()))).sum();
        }

        private static double total(Timer t) {
            return t == null ? 0 : t.totalTime(TimeUnit.NANOSECONDS);
        }

        double ms(Snap later, Phase p) {
            return (later.phases.get(p) - phases.get(p)) / 1e6;
        }
    }

    /** One fleet's rounds, each part a list over the counted rounds (ms). */
    private static final class Result {
        final Fleet fleet;
        final long trainMs;
        final List<Double> round = new ArrayList<>(), overhead = new ArrayList<>(), dispatch = new ArrayList<>(), toDevices = new ArrayList<>(),
                afterTraining = new ArrayList<>(), upload = new ArrayList<>(), foldTail = new ArrayList<>(), decode = new ArrayList<>(),
                fold = new ArrayList<>(), foldCpu = new ArrayList<>(),
                fusion = new ArrayList<>(), report = new ArrayList<>(), publish = new ArrayList<>(), other = new ArrayList<>(),
                beside = new ArrayList<>(), processCpu = new ArrayList<>(), loopCpu = new ArrayList<>();
        long latePreparations, failedUploads;

        Result(Fleet fleet, long trainMs) {
            this.fleet = fleet;
            this.trainMs = trainMs;
        }

        Object[] cells() {
            List<Object> c = new ArrayList<>(List.of(fleet.label(), ms(round), "**" + ms(overhead) + "**"));
            for (List<Double> x : List.of(dispatch, toDevices, afterTraining, upload, foldTail, decode, fold, foldCpu, fusion, publish, report, other,
                    beside, loopCpu, processCpu)) c.add(ms(x));
            c.add(overhead.stream().map(v -> f("%.0f", v)).toList().toString().replace("[", "").replace("]", ""));
            return c.toArray();
        }

        String row() {
            return f("%s devices: round %s ms, overhead %s ms (rounds: %s)", fleet.label(), ms(round), ms(overhead), overhead);
        }

        private static String ms(List<Double> xs) {
            return f("%.0f", median(xs));
        }
    }

    private static Result runFleet(EmbeddedBroker broker, Path data, Path work, Fleet spec, int rounds, long trainMs) throws Exception {
        int devices = spec.devices();
        String prefix = f("rounds-%d-%d.", devices, System.currentTimeMillis());
        Files.createDirectories(work);
        CoordinatorConfig config = CoordinatorConfig.builder().bootstrapServers(broker.bootstrapServers()).topicPrefix(prefix)
                .dataDir(data.toString()).workDir(work.toString()).build();
        Map<Integer, StubFleet.Arrival> arrivals = new ConcurrentHashMap<>();
        Map<Integer, Snap> snaps = new ConcurrentHashMap<>();
        Result result = new Result(spec, trainMs);
        try (CoordinatorNode node = CoordinatorNode.start(config, Map.of(), FailoverConfig.OFF, new SimpleMeterRegistry())) {
            RoundMeters meters = node.meters();
            KafkaClients clients = broker.superUserClients();
            try (StubFleet fleet = new StubFleet(clients, Topics.defaults().withPrefix(prefix), devices, trainMs, 1000, node::enrol, a -> {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);   // the loop records dispatch just after the broker's ack
                while (meters.phase(Phase.DISPATCH).count() < a.round() && System.nanoTime() < until) Thread.onSpinWait();
                snaps.put(a.round(), Snap.of(meters));
                arrivals.put(a.round(), a);
            })) {
                awaitUntil(() -> node.coordinator().devices().stream().filter(JobViews.DeviceView::alive).count() == devices, 120);
                var request = JobSpec.builder().pretrainEpochs(1).pretrainSamples(5000).rounds(rounds).roundDeadlineMs(600_000L)
                        .rowRanks(spec.rowRanks()).seed(1).build("bench").toRequest();
                String id = node.coordinator().submit(request).id();
                awaitUntil(() -> !node.coordinator().view(id).orElseThrow().state().equals("RUNNING"), 3600);
                String state = node.coordinator().view(id).orElseThrow().state();
                if (!state.equals("COMPLETED")) throw new IllegalStateException("the job ended " + state + ": " + node.coordinator().view(id).orElseThrow().reason());
                result.latePreparations = fleet.latePreparations();
                result.failedUploads = fleet.failedUploads();
            }
        }
        for (int r = 2; r < rounds; r++) {
            StubFleet.Arrival a = arrivals.get(r), next = arrivals.get(r + 1);
            Snap s = snaps.get(r), e = snaps.get(r + 1);
            double round = (next.trainStartNanos() - a.trainStartNanos()) / 1e6, overhead = round - trainMs;
            double toDevices = a.trainStartMs() - a.publishedMs(), toDevicesNext = next.trainStartMs() - next.publishedMs();
            double after = s.ms(e, Phase.COLLECT) - trainMs - toDevices;
            double decode = (e.decode - s.decode) / 1e6, fold = (e.fold - s.fold) / 1e6;
            double fusion = s.ms(e, Phase.FUSION), report = s.ms(e, Phase.REPORT), publish = s.ms(e, Phase.PUBLISH), dispatch = s.ms(e, Phase.DISPATCH);
            result.round.add(round);
            result.overhead.add(overhead);
            result.dispatch.add(dispatch);
            result.toDevices.add(toDevicesNext);
            result.afterTraining.add(after);
            double tail = (e.foldTail - s.foldTail) / 1e6;
            result.upload.add(after - tail);
            result.foldTail.add(tail);
            result.decode.add(decode);
            result.fold.add(fold);
            result.foldCpu.add((e.foldCpu - s.foldCpu) / 1e6);
            result.fusion.add(fusion);
            result.report.add(report);
            result.publish.add(publish);
            result.beside.add((e.report - s.report) / 1e6);
            result.loopCpu.add((e.loopCpu - s.loopCpu) / 1e6);
            result.processCpu.add((e.processCpu - s.processCpu) / 1e6);
            result.other.add(overhead - after - fusion - report - publish - dispatch - toDevicesNext);
        }
        return result;
    }

    private static void awaitUntil(java.util.function.BooleanSupplier condition, long seconds) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) throw new IllegalStateException("not within " + seconds + " s");
            Thread.sleep(50);
        }
    }
}
