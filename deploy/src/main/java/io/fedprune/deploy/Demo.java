package io.fedprune.deploy;

import io.fedprune.cli.ModelInput;
import io.fedprune.agent.Agent;
import io.fedprune.agent.AgentHub;
import io.fedprune.agent.PartitionSpec;
import io.fedprune.coordinator.Coordinator;
import io.fedprune.coordinator.CoordinatorNode;
import io.fedprune.coordinator.ModelProvider;
import io.fedprune.coordinator.job.JobRequest;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.coordinator.job.JobViews;
import io.fedprune.data.Dataset;
import io.fedprune.deploy.report.ArtifactCheck;
import io.fedprune.deploy.report.DemoReport;
import io.fedprune.deploy.report.ReportWriter;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.dpp.Masks;
import io.fedprune.fuse.Fusion;
import io.fedprune.fuse.ServerOptimizer;
import io.fedprune.fuse.Weighting;
import io.fedprune.kafka.EmbeddedBroker;
import io.fedprune.model.DppResult;
import io.fedprune.model.DppTrainer;
import io.fedprune.model.Graph;
import io.fedprune.model.Layer;
import io.fedprune.model.MaskSpecs;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;
import io.fedprune.model.Network;
import io.fedprune.model.Preprocessing;
import io.fedprune.onnx.OnnxImport;
import io.fedprune.model.ProgressListener;
import io.fedprune.model.TrainConfig;
import io.fedprune.wire.Budget;
import io.fedprune.wire.DeploymentAck;
import io.fedprune.wire.TensorEncoding;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;

/**
 * The sandbox: a Kafka broker (embedded KRaft unless one is given), an in-process coordinator and a fleet of agents
 * in one JVM, one federated pruning job on MNIST with progress on the console, then centralised baselines, and a
 * {@link DemoReport}. Nothing is left running when {@link #run} returns.
 */
public final class Demo {
    private static final long POLL_MS = 250;

    private final DemoConfig cfg;
    private final Progress console;
    private final Serving serving;

    /**
     * How the demo serves the coordinator's dashboard and REST API.
     *
     * @param port     HTTP port on 127.0.0.1; 0 = any free port; if the port is taken the demo takes a free one
     * @param keepOpen keep serving after the report is written, until Ctrl-C
     * @param logFile  where the logs go (said on the console once the data is read), or null if on the console
     */
    public record Serving(int port, boolean keepOpen, Path logFile) {
        public static final int DEFAULT_PORT = 8080;
    }

    /** Called with the finished report before the demo stops serving. */
    @FunctionalInterface
    public interface ReportSink {
        void write(DemoReport report) throws Exception;
    }

    /** A demo printing plain lines to {@code out}, serving on an ephemeral port until the job ends. */
    public Demo(DemoConfig cfg, PrintStream out) {
        this(cfg, out, false, new Serving(0, false, null));
    }

    /** @param terminal whether {@code out} is a terminal (progress bars then redraw in place) */
    public Demo(DemoConfig cfg, PrintStream out, boolean terminal, Serving serving) {
        this.cfg = cfg;
        this.console = new Progress(out, terminal);
        this.serving = serving;
    }

    /** Runs the demo and returns what it measured. */
    public DemoReport run() throws Exception {
        return run(report -> {
        });
    }

    /** Runs the demo, hands the report to {@code sink} while the dashboard is still served, and returns the report. */
    public DemoReport run(ReportSink sink) throws Exception {
        long t0 = System.currentTimeMillis();
        ModelInput in = ModelInput.load(cfg.model(), cfg.data(), cfg.trainSamples(), cfg.testSamples());   // BadInput: exit 2
        Model imported = in.imported();
        Graph graph = in.graph();
        Preprocessing pre = graph.preprocessing();
        Dataset train = in.train(), test = in.test();
        int validation = cfg.validationSamples(), all = in.data().train().n();
        if (validation > 0 && cfg.trainSamples() + validation > all)
            throw new ModelInput.BadInput("--train-samples " + cfg.trainSamples() + " and --validation-samples " + validation
                    + " overlap: " + cfg.data() + " holds " + all + " training images");
        say("data: %d training, %d test images of %s, %d classes, from %s%s", train.n(), test.n(), train.shape(), train.classes(), cfg.data(),
                validation > 0 ? String.format(Locale.ROOT, "; the coordinator's validation split: the last %d training images", validation) : "");
        if (serving.logFile() != null) say("logs: %s (--verbose shows them here)", serving.logFile());

        JobSpec spec = jobSpec(graph);
        Path coordWork = cfg.work().resolve("coordinator");
        long tp = System.currentTimeMillis();
        Model dense;
        String origin;
        if (imported != null) {
            // its weights are trained: no pretraining; its dense accuracy is measured here
            dense = imported;
            origin = String.format(Locale.ROOT, "imported from %s, %d layers, preprocessing %s, measured here", cfg.model(), graph.layers().size(), pre);
        } else {
            ModelProvider models = new ModelProvider(cfg.data(), coordWork, ref -> {
                throw new IllegalStateException("the demo pretrains a built-in model");
            }, validation);
            boolean cached = models.isCached(spec);
            dense = models.model(spec, () -> false, p -> console.bar("pretraining", p.epoch(), p.epochs(),
                    String.format(Locale.ROOT, "dense %s, loss %.4f, %s", graph.id(), p.loss(), Progress.clock(System.currentTimeMillis() - tp)),
                    p.epoch() == p.epochs()));   // off a terminal: one line when done
            origin = cached ? "pretrained model from the cache " + coordWork.resolve("models")
                    : String.format(Locale.ROOT, "pretrained %d epochs in %.1f s", cfg.pretrainEpochs(), (System.currentTimeMillis() - tp) / 1e3);
        }
        long pretrainMs = System.currentTimeMillis() - tp;
        double denseAcc = Network.of(dense).evaluate(test).accuracy();
        say("dense %s: test accuracy %.2f%% (%s)", graph.id(), 100 * denseAcc, origin);
        in.checkAboveChance(denseAcc, cfg.data());

        String prefix = "demo-" + Long.toString(System.currentTimeMillis(), 36) + ".";
        EmbeddedBroker embedded = null;
        String bootstrap = cfg.bootstrap();
        String brokerInfo;
        if (bootstrap == null) {
            long tb = System.currentTimeMillis();
            embedded = EmbeddedBroker.start(EmbeddedBroker.Config.defaults());
            bootstrap = embedded.bootstrapServers();
            brokerInfo = "embedded KRaft broker (Kafka 4.3.1) at " + bootstrap;
            say("broker: %s, started in %.1f s", brokerInfo, (System.currentTimeMillis() - tb) / 1e3);
        } else {
            brokerInfo = "external broker at " + bootstrap;
            say("broker: %s (topic prefix %s)", brokerInfo, prefix);
        }
        try {
            try (ApplicationContext server = serve(bootstrap, prefix, coordWork);
                 AgentHub hub = AgentHub.start(AgentHub.Config.defaults(bootstrap).withTopicPrefix(prefix).withKafkaProperties(cfg.kafkaProperties())
                         .withTrainThreads(cfg.trainThreads()).withHeartbeatMs(1000), server.getBean(CoordinatorNode.class)::enrol)) {   // the demo enrols its devices itself
                Map<String, Double> budgets = startAgents(hub, train, test, pre);
                Coordinator c = server.getBean(Coordinator.class);
                awaitFleet(c);
                long startupMs = System.currentTimeMillis() - t0 - pretrainMs;
                DemoReport report = runJob(c, hub, spec, dense, denseAcc, train, test, budgets, brokerInfo, t0, startupMs, pretrainMs);
                sink.write(report);
                if (serving.keepOpen()) {
                    say("dashboard stays up at %s (--keep-open): Ctrl-C stops the demo", url);
                    new java.util.concurrent.CountDownLatch(1).await();
                }
                return report;
            }
        } finally {
            if (embedded != null) embedded.close();
        }
    }

    private String url;

    /** The coordinator with its HTTP server (dashboard, REST API) on 127.0.0.1, on the asked port or a free one. */
    private ApplicationContext serve(String bootstrap, String prefix, Path coordWork) {
        Map<String, Object> props = new LinkedHashMap<>(Map.of(
                "micronaut.server.host", "127.0.0.1",
                "fedprune.coordinator.bootstrap-servers", bootstrap,
                "fedprune.coordinator.topic-prefix", prefix,
                "fedprune.coordinator.data-dir", cfg.data().toString(),
                "fedprune.coordinator.work-dir", coordWork.toString(),
                "fedprune.coordinator.eval-samples", cfg.testSamples(),
                "fedprune.coordinator.validation-samples", cfg.validationSamples(),
                "fedprune.coordinator.resume-jobs", false));
        cfg.kafkaProperties().forEach((k, v) -> props.put("fedprune.kafka." + k, v));
        EmbeddedServer server;
        try {
            props.put("micronaut.server.port", serving.port() == 0 ? -1 : serving.port());
            server = ApplicationContext.run(EmbeddedServer.class, props);
        } catch (RuntimeException e) {
            if (serving.port() == 0) throw e;
            say("port %d is taken: serving on a free port instead", serving.port());
            props.put("micronaut.server.port", -1);
            server = ApplicationContext.run(EmbeddedServer.class, props);
        }
        url = server.getURL().toString() + "/";
        say("dashboard: %s (live while the job runs%s)", url, serving.keepOpen() ? " and after it" : "; --keep-open keeps it up after");
        return server.getApplicationContext();
    }

    /** The demo's job: the demo's settings, every other field at its {@code JobSpec.DEFAULT_*}. */
    private JobSpec jobSpec(Graph graph) {
        List<JobSpec.LayerPlan> layers = new ArrayList<>();
        for (Layer l : graph.layers()) layers.add(new JobSpec.LayerPlan(l.name(), MaskSpecs.granularity(l, cfg.granularity())));
        return JobSpec.builder().graph(graph).pretrainEpochs(cfg.pretrainEpochs()).pretrainSamples(cfg.trainSamples())
                .layers(layers).tiers(cfg.tiers()).rounds(cfg.rounds()).roundDeadlineMs(cfg.deadlineMs())
                .localEpochs(cfg.localEpochs()).learningRate(cfg.learningRate()).temperatureEnd(cfg.temperatureEnd())
                .updateEncoding(cfg.encoding()).fusion(cfg.fusion())
                .weighting(cfg.weighting()).serverOptimizer(cfg.serverOptimizer()).tierProximity(cfg.tierProximity())
                .nestedTraining(cfg.nestedTraining()).rowRanks(cfg.rowRanks()).seed(cfg.seed()).build("demo");
    }

    /** The job's request: an imported model travels to the coordinator as its ONNX file, as over REST. */
    private JobRequest request(JobSpec spec) throws IOException {
        return spec.imported() ? spec.toRequest().withModelOnnx(Files.readAllBytes(Path.of(cfg.model()))) : spec.toRequest();
    }

    /** Adds the fleet: device i holds Dirichlet share i of the training images and the same label mix of the test images, budget round-robin. */
    private Map<String, Double> startAgents(AgentHub hub, Dataset train, Dataset test, Preprocessing pre) {
        Map<String, Double> budgets = new LinkedHashMap<>();
        Map<Double, Integer> perBudget = new TreeMap<>();
        long smallest = Long.MAX_VALUE, largest = 0;
        for (int i = 0; i < cfg.devices(); i++) {
            PartitionSpec part = new PartitionSpec(PartitionSpec.Kind.DIRICHLET, cfg.alpha(), i, cfg.devices(), cfg.seed());
            Dataset own = part.apply(train);
            Dataset ownTest = part.applyTest(train, test);
            String id = String.format(Locale.ROOT, "device-%03d", i);
            double b = cfg.budgetOf(i);
            hub.add(new Agent(new Agent.Settings(id, Budget.ofKeep(b), own, ownTest, null, 0, pre)));
            budgets.put(id, b);
            perBudget.merge(b, 1, Integer::sum);
            smallest = Math.min(smallest, own.n());
            largest = Math.max(largest, own.n());
        }
        StringBuilder sb = new StringBuilder();
        perBudget.forEach((b, n) -> sb.append(String.format(Locale.ROOT, " %d x %s", n, pct(b))));
        fleet = String.format(Locale.ROOT, "budgets:%s, Dirichlet(%.2g) label skew, %d to %d training images each",
                sb, cfg.alpha(), smallest, largest);
        return budgets;
    }

    /** The fleet's budgets and data, for the line that says it registered. */
    private String fleet = "";

    private void awaitFleet(Coordinator c) throws TimeoutException, InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        long alive;
        while ((alive = c.devices().stream().filter(JobViews.DeviceView::alive).count()) < cfg.devices()) {
            if (System.currentTimeMillis() > deadline)
                throw new TimeoutException("only " + alive + " of " + cfg.devices() + " agents registered within 120 s");
            Thread.sleep(POLL_MS);
        }
        say("fleet: %d agents registered with the coordinator (%s)", alive, fleet);
    }

    private DemoReport runJob(Coordinator c, AgentHub hub, JobSpec spec, Model dense, double denseAcc,
                              Dataset train, Dataset test, Map<String, Double> budgets, String brokerInfo, long t0,
                              long startupMs, long pretrainMs) throws Exception {
        long tj = System.currentTimeMillis();
        String jobId = c.submit(request(spec)).id();
        say("job %s: %s, %d rounds, tiers %s, fusion %s weighted by %s%s%s%s", jobId, spec.graph().id(), cfg.rounds(), tierList(), cfg.fusion(),
                cfg.weighting(), spec.tierProximity() > 0 ? ", each tier its own fusion (tier proximity " + spec.tierProximity() + "), nested" : "",
                spec.nestedTraining() ? ", devices train every tier within their budget" : ", devices train their own tier only",
                spec.rowRanks() ? ", devices send their logits rows' ranks" : "");
        Map<Integer, Long> trainSumByRound = new HashMap<>();
        long lastTrain = hub.trainMillis();
        String lastLine = "";
        int seenRounds = 0;
        JobViews.JobView v;
        while (true) {
            v = c.view(jobId).orElseThrow();
            while (seenRounds < v.rounds().size()) {
                seenRounds++;
                long now = hub.trainMillis();
                trainSumByRound.put(seenRounds, now - lastTrain);
                lastTrain = now;
                JobViews.RoundView r = v.rounds().get(seenRounds - 1);
                console.bar("rounds", r.round(), cfg.rounds(), roundDetail(v.rounds().subList(0, seenRounds), tj, trainSumByRound), true);
                lastLine = "";
            }
            if (!v.state().equals("RUNNING") && !v.state().equals("PENDING")) break;
            String line = progressDetail(v, seenRounds, tj, trainSumByRound);
            if (!line.equals(lastLine)) {
                console.bar("rounds", seenRounds, cfg.rounds(), line, false);
                lastLine = line;
            }
            Thread.sleep(POLL_MS);
        }
        if (!v.state().equals("COMPLETED"))
            throw new IllegalStateException("job " + jobId + " ended " + v.state() + (v.reason() == null ? "" : ": " + v.reason()));
        long ackDeadline = System.currentTimeMillis() + 120_000;
        while (c.latestAcks(jobId).size() < cfg.devices() && System.currentTimeMillis() < ackDeadline) Thread.sleep(POLL_MS);
        Map<String, DeploymentAck> acks = c.latestAcks(jobId);
        long jobMs = System.currentTimeMillis() - tj;
        v = c.view(jobId).orElseThrow();
        say("job %s completed in %.1f s; %d of %d devices applied a tier", jobId, jobMs / 1e3,
                acks.values().stream().filter(DeploymentAck::applied).count(), cfg.devices());

        List<DemoReport.Round> rounds = new ArrayList<>();
        long trainTotal = 0;
        for (JobViews.RoundView r : v.rounds()) {
            long sum = trainSumByRound.getOrDefault(r.round(), 0L);
            trainTotal += sum;
            Map<String, Double> acc = new LinkedHashMap<>(), validation = new LinkedHashMap<>();
            for (JobViews.TierView t : r.tiers()) {
                acc.put(t.tier(), t.accuracy());
                Double val = t.metrics() == null ? null : t.metrics().get(io.fedprune.wire.TierResult.VALIDATION_ACCURACY);
                if (val != null) validation.put(t.tier(), val);
            }
            rounds.add(new DemoReport.Round(r.round(), r.selected(), r.replied(), r.late(), r.duplicates(), r.invalid(),
                    r.durationMs(), r.trainMsMax(), sum, acc, validation, r.metrics().getOrDefault("logits_change", Double.NaN),
                    r.metrics().getOrDefault("mask_similarity", Double.NaN), r.uplinkBytes(), r.uplinkBitsPerParameter(), r.dropped()));
        }
        List<DemoReport.Tier> tiers = tiers(v, dense, acks, budgets);
        List<DemoReport.Ack> ackRows = new ArrayList<>();
        budgets.forEach((dev, b) -> {
            DeploymentAck a = acks.get(dev);
            ackRows.add(a == null ? new DemoReport.Ack(dev, b, null, false, Double.NaN, 0)
                    : new DemoReport.Ack(dev, b, a.tier(), a.applied(), a.localAccuracy(), a.evalSamples()));
        });

        long tb = System.currentTimeMillis();
        List<DemoReport.Baseline> baselines = baselines(spec, dense, train, test, baselineEstimateMs(trainSumByRound));
        long baselinesMs = System.currentTimeMillis() - tb;

        long roundsMs = rounds.stream().mapToLong(DemoReport.Round::durationMs).sum();
        long localTraining = trainTotal / cfg.trainThreads();
        long overhead = Math.max(0, jobMs - localTraining);
        double overheadPerRound = rounds.isEmpty() ? 0 : Math.max(0, roundsMs - localTraining) / (double) rounds.size();
        double bits = rounds.stream().mapToDouble(DemoReport.Round::uplinkBitsPerParam).average().orElse(0);
        long uplink = rounds.stream().mapToLong(DemoReport.Round::uplinkBytes).sum();
        System.gc();
        long heapMb = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
        long denseParams = dense.toTensors().stream().mapToLong(io.fedprune.model.Tensor::size).sum();
        DemoReport.Timing timing = new DemoReport.Timing(System.currentTimeMillis() - t0, startupMs, pretrainMs, jobMs,
                localTraining, overhead, overheadPerRound, baselinesMs, heapMb);
        return new DemoReport(configMap(), brokerInfo, denseAcc, denseParams, tiers, rounds, bits, uplink, baselines,
                timing, ackRows);
    }

    /** Each published tier: accuracy, sizes, k-of-n check of its artifact, metrics of the last round. */
    private List<DemoReport.Tier> tiers(JobViews.JobView v, Model dense, Map<String, DeploymentAck> acks,
                                        Map<String, Double> budgets) throws IOException {
        long denseBytes = 4L * dense.toTensors().stream().mapToLong(io.fedprune.model.Tensor::size).sum();
        long biasBytes = 0;
        for (Layer l : dense.graph().layers()) biasBytes += 4L * dense.bias(l.name()).length;
        JobViews.RoundView last = v.rounds().get(v.rounds().size() - 1);
        List<DemoReport.Tier> out = new ArrayList<>();
        for (JobViews.DeploymentView d : v.deployments().stream().sorted((a, b) -> Double.compare(a.keep(), b.keep())).toList()) {
            Path artifact = cfg.out().resolve("artifacts").resolve(d.tier() + ".safetensors");
            Files.createDirectories(artifact.getParent());
            Files.copy(Path.of(d.artifact()), artifact, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Path onnx = Path.of(d.artifact().replaceFirst("\\.safetensors$", ".onnx"));
            if (Files.exists(onnx))
                Files.copy(onnx, artifact.resolveSibling(d.tier() + ".onnx"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            byte[] file = Files.readAllBytes(artifact);
            ArtifactCheck.Result check = ArtifactCheck.check(file, dense.graph());
            if (!check.ok()) say("WARNING: tier %s artifact failed the k-of-n check: %s", d.tier(), check.layers());
            Map<String, Double> conf = new LinkedHashMap<>(), div = new LinkedHashMap<>();
            last.tiers().stream().filter(t -> t.tier().equals(d.tier())).findFirst().ifPresent(t -> t.metrics().forEach((k, val) -> {
                if (k.startsWith("confidence/")) conf.put(k.substring(11), val);
                if (k.startsWith("diversity/")) div.put(k.substring(10), val);
            }));
            List<DeploymentAck> applied = acks.values().stream().filter(a -> a.tier().equals(d.tier()) && a.applied()).toList();
            double meanDev = applied.stream().mapToDouble(DeploymentAck::localAccuracy).average().orElse(Double.NaN);
            out.add(new DemoReport.Tier(d.tier(), d.keep(), d.k(), d.accuracy() == null ? Double.NaN : d.accuracy(),
                    d.round(), d.validationAccuracy() == null ? Double.NaN : d.validationAccuracy(),
                    artifact.toString(), check.fileBytes(), check.compactBytes() + biasBytes, denseBytes, check.ok(), conf, div,
                    applied.size(), meanDev));
            say("tier %-10s keep %5s  k %s  accuracy %.2f%%%s  artifact %s (%.1f KiB, compact %.1f KiB vs dense %.1f KiB), k-of-n %s",
                    d.tier(), pct(d.keep()), d.k(), 100 * (d.accuracy() == null ? Double.NaN : d.accuracy()),
                    d.round() == null ? "" : String.format(Locale.ROOT, " (round %d, best on validation: %.2f%%)", d.round(), 100 * d.validationAccuracy()), artifact,
                    check.fileBytes() / 1024.0, (check.compactBytes() + biasBytes) / 1024.0, denseBytes / 1024.0,
                    check.ok() ? "verified" : "FAILED");
        }
        return out;
    }

    /** Centralised DPP (all training data in one place) and magnitude k-of-n, at every tier's keep. */
    private List<DemoReport.Baseline> baselines(JobSpec spec, Model dense, Dataset train, Dataset test, long estimateMs) {
        List<DemoReport.Baseline> out = new ArrayList<>();
        if (cfg.baselineEpochs() == 0) return out;
        JobSpec s = spec;
        int total = cfg.tiers().size();
        long start = System.currentTimeMillis();
        console.bar("baselines", 0, total, "centralised DPP and magnitude pruning per keep, about " + Progress.clock(estimateMs) + " left", false);
        for (int i = 0; i < total; i++) {
            double keep = cfg.tiers().get(i);
            int done = i;
            List<MaskSpec> specs = s.maskSpecs(keep);
            long t = System.currentTimeMillis();
            Map<String, float[]> mag = new HashMap<>();
            for (MaskSpec m : specs) mag.put(m.layer(), Masks.magnitude(dense.weight(m.layer()), m));
            double magAcc = DppTrainer.evaluate(dense, specs, mag, 0, test).accuracy();
            out.add(new DemoReport.Baseline(keep, "magnitude", magAcc, System.currentTimeMillis() - t));
            t = System.currentTimeMillis();
            TrainConfig tc = TrainConfig.DEFAULTS.withEpochs(cfg.baselineEpochs()).withEvaluate(false);
            ProgressListener progress = p -> console.bar("baselines", done, total, String.format(Locale.ROOT,
                    "keep %s: centralised DPP epoch %d/%d, about %s left", pct(keep), p.epoch(), p.epochs(),
                    Progress.clock(baselinesLeft(start, done, total, estimateMs))), false);
            DppResult r = DppTrainer.train(dense, train, specs, null, tc, cfg.seed(), progress);
            double dppAcc = DppTrainer.evaluate(dense, specs, r.groupMasks(), 0, test).accuracy();
            out.add(new DemoReport.Baseline(keep, "dpp-centralised", dppAcc, System.currentTimeMillis() - t));
            console.bar("baselines", done + 1, total, String.format(Locale.ROOT, "keep %s: centralised DPP %.2f%%, magnitude %.2f%%%s",
                    pct(keep), 100 * dppAcc, 100 * magAcc, done + 1 < total
                            ? ", about " + Progress.clock(baselinesLeft(start, done + 1, total, estimateMs)) + " left" : ""), true);
        }
        return out;
    }

    /** The rounds bar while a round runs: devices replied so far, the last accuracies, the time left. */
    private String progressDetail(JobViews.JobView v, int done, long jobStart, Map<Integer, Long> trainSums) {
        JobViews.ProgressView p = v.progress();
        String now = p == null ? "starting" : String.format(Locale.ROOT, "round %d: %d/%d replied", p.round(), p.replied(), p.selected());
        String acc = v.rounds().isEmpty() ? "" : " | " + accuracies(v.rounds().get(v.rounds().size() - 1));
        return now + acc + " | " + timeLeft(v.rounds(), jobStart, trainSums);
    }

    /** The rounds bar after a round: devices replied, its accuracy per tier, the time left. */
    private String roundDetail(List<JobViews.RoundView> done, long jobStart, Map<Integer, Long> trainSums) {
        JobViews.RoundView r = done.get(done.size() - 1);
        return String.format(Locale.ROOT, "%d/%d replied | %s | %s", r.replied(), r.selected(), accuracies(r),
                timeLeft(done, jobStart, trainSums));
    }

    private static String accuracies(JobViews.RoundView r) {
        StringBuilder sb = new StringBuilder();
        for (JobViews.TierView t : r.tiers())
            sb.append(sb.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%s %.2f%%", pct(t.keep()),
                    t.accuracy() == null ? Double.NaN : 100 * t.accuracy()));
        return sb.toString();
    }

    /**
     * Elapsed job time and an estimate of what is left: the remaining rounds at the mean duration of the rounds after
     * the first, then the baselines. The first round also fetches the model and warms up the JIT (about twice as long
     * as the next ones in the default demo), so the estimate shows from the second round on.
     */
    private String timeLeft(List<JobViews.RoundView> done, long jobStart, Map<Integer, Long> trainSums) {
        long elapsed = System.currentTimeMillis() - jobStart;
        int n = done.size();
        if (n == 0 || (n == 1 && cfg.rounds() > 1)) return Progress.clock(elapsed);
        double perRound = afterWarmUp(done).stream().mapToLong(JobViews.RoundView::durationMs).average().orElse(0);
        long left = Math.round(perRound * (cfg.rounds() - n)) + baselineEstimateMs(trainSums);
        return String.format(Locale.ROOT, "%s, about %s left%s", Progress.clock(elapsed), Progress.clock(left),
                cfg.baselineEpochs() > 0 ? " (baselines included)" : "");
    }

    /** The rounds after the first, if there are any (the first is the warm-up). */
    private static <T> List<T> afterWarmUp(List<T> rounds) {
        return rounds.size() > 1 ? rounds.subList(1, rounds.size()) : rounds;
    }

    /**
     * The baselines' time, estimated from the rounds: a round trains every device once over its share, one pass over
     * all the data, as a centralised epoch does; its wall time, the devices' summed training time over the agents
     * training at once, was within 15% of a centralised epoch in the default demo (the sum itself is 1.75x: agents
     * training side by side slow each other down).
     */
    private long baselineEstimateMs(Map<Integer, Long> trainSums) {
        if (cfg.baselineEpochs() == 0 || trainSums.isEmpty()) return 0;
        List<Long> sums = afterWarmUp(new TreeMap<>(trainSums).values().stream().toList());
        double perEpoch = sums.stream().mapToLong(Long::longValue).average().orElse(0) / cfg.trainThreads();
        return Math.round(perEpoch * cfg.baselineEpochs() * cfg.tiers().size());
    }

    /** Baselines left: from those done so far, or the estimate before the first is done. */
    private static long baselinesLeft(long start, int done, int total, long estimateMs) {
        if (done == 0) return Math.max(0, estimateMs - (System.currentTimeMillis() - start));
        return (System.currentTimeMillis() - start) / done * (total - done);
    }

    private Map<String, Object> configMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", cfg.model());
        m.put("devices", cfg.devices());
        m.put("rounds", cfg.rounds());
        m.put("budgets", cfg.budgets());
        m.put("alpha", cfg.alpha());
        m.put("granularity", cfg.granularity() == null ? MaskSpecs.DEFAULT_PLAN : cfg.granularity().name());
        m.put("fusion", cfg.fusion().name());
        m.put("weighting", cfg.weighting().name());
        m.put("server_optimizer", cfg.serverOptimizer().name());
        m.put("tier_proximity", cfg.tierProximity());
        m.put("nested_training", cfg.nestedTraining());
        m.put("row_ranks", cfg.rowRanks());
        m.put("encoding", cfg.encoding().name());
        m.put("seed", cfg.seed());
        m.put("pretrain_epochs", cfg.pretrainEpochs());
        m.put("train_samples", cfg.trainSamples());
        m.put("test_samples", cfg.testSamples());
        m.put("validation_samples", cfg.validationSamples());
        m.put("baseline_epochs", cfg.baselineEpochs());
        m.put("train_threads", cfg.trainThreads());
        m.put("local_epochs", cfg.localEpochs());
        m.put("learning_rate", cfg.learningRate());
        m.put("temperature_end", cfg.temperatureEnd());
        m.put("data", cfg.data().toString());
        return m;
    }

    private String tierList() {
        return String.join(", ", cfg.tiers().stream().map(Demo::pct).toList());
    }

    private static String pct(double keep) {
        return ReportWriter.pct(keep);
    }

    private void say(String fmt, Object... args) {
        console.line(String.format(Locale.ROOT, "[demo] " + fmt, args));
    }
}
