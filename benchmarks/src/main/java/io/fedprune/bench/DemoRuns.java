package io.fedprune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.fedprune.bench.Interleaved.f;

/**
 * The end-to-end sections: demo runs (each in its own JVM, as {@code ./fedprune demo} runs it) and their report.json:
 * the wall time split of one default run, and uplink bits per parameter and tier accuracy per encoding over seeds.
 * A run whose report.json already exists in the runs folder is read, not repeated (delete the folder to re-run).
 */
final class DemoRuns {
    static final List<String> ENCODINGS = List.of("FLOAT32", "INT8", "MASK");
    static final List<Integer> SEEDS = List.of(1, 2, 3);

    private DemoRuns() {
    }

    /** The report of {@code ./fedprune demo ARGS --out DIR}, running it unless DIR already holds one. */
    static JsonNode report(Path dir, Path data, List<String> args) throws IOException, InterruptedException {
        Path json = dir.resolve("report.json");
        if (!Files.exists(json)) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules", "jdk.incubator.vector", "-Xmx4g", "-cp", System.getProperty("java.class.path"),
                    "io.fedprune.deploy.DemoMain", "--data", data.toString(), "--out", dir.toString()));
            cmd.addAll(args);
            Files.createDirectories(dir);
            System.out.println("running " + String.join(" ", cmd.subList(cmd.indexOf("io.fedprune.deploy.DemoMain"), cmd.size())));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("console.log").toFile()).start();
            if (p.waitFor() != 0) throw new IllegalStateException("demo failed, see " + dir.resolve("console.log"));
        }
        return new ObjectMapper().readTree(json.toFile());
    }

    /** Wall time split of one default demo run (seed 1). */
    static String demoSection(Path runs, Path data) throws Exception {
        JsonNode t = report(runs.resolve("demo-default"), data, List.of("--seed", "1")).get("timing");
        double wall = t.get("wall_ms").asDouble();
        Interleaved.Table table = new Interleaved.Table("part", "s", "share of wall time");
        for (String[] part : new String[][]{{"start-up (broker, coordinator, agents)", "startup_ms"}, {"pretraining (or loading the cached model)", "pretrain_ms"},
                {"federated job", "job_ms"}, {"  of which devices' local training (slowest device per round, summed)", "local_training_ms"},
                {"  of which system overhead", "overhead_ms"}, {"baselines (centralised DPP, magnitude)", "baselines_ms"}, {"total", "wall_ms"}})
            table.row(part[0], f("%.1f", t.get(part[1]).asDouble() / 1e3), f("%.0f%%", 100 * t.get(part[1]).asDouble() / wall));
        return f("`./fedprune demo --seed 1` (10 devices, 20 rounds, LeNet-300-100), its report's timing; system overhead per round "
                + "%.0f ms (round wall time minus the slowest device's training).%n%n%s", t.get("overhead_per_round_ms").asDouble(), table);
    }

    /** Uplink bits per parameter and tier accuracy per encoding, seeds 1-3 (demo defaults otherwise, no baselines). */
    static String uplinkSection(Path runs, Path data) throws Exception {
        Map<String, double[]> acc = new TreeMap<>();
        StringBuilder perSeed = new StringBuilder();
        Interleaved.Table seeds = new Interleaved.Table("encoding", "seed", "bits / parameter", "5%", "10%", "25%");
        Interleaved.Table mean = new Interleaved.Table("encoding", "bits / parameter", "uplink per device-round", "5% tier", "10% tier", "25% tier",
                "vs FLOAT32 (5% / 10% / 25%)");
        double[] base = null;
        for (String enc : ENCODINGS) {
            double[] sum = new double[3];
            double bits = 0, bytes = 0;
            for (int s : SEEDS) {
                JsonNode r = report(runs.resolve(enc.toLowerCase() + "-seed" + s), data,
                        List.of("--encoding", enc, "--seed", String.valueOf(s), "--baseline-epochs", "0"));
                double[] a = new double[3];
                int i = 0;
                for (JsonNode tier : r.get("tiers")) a[i++] = 100 * tier.get("accuracy").asDouble();
                for (int j = 0; j < 3; j++) sum[j] += a[j] / SEEDS.size();
                bits = r.get("uplink_bits_per_param").asDouble();
                bytes += r.get("uplink_bytes").asDouble() / r.get("rounds").size() / r.get("config").get("devices").asInt() / SEEDS.size();
                seeds.row(enc, s, f("%.2f", bits), f("%.2f", a[0]), f("%.2f", a[1]), f("%.2f", a[2]));
            }
            if (base == null) base = sum;
            mean.row(enc, f("%.2f", bits), f("%.0f KiB", bytes / 1024), f("%.2f%%", sum[0]), f("%.2f%%", sum[1]), f("%.2f%%", sum[2]),
                    f("%+.2f / %+.2f / %+.2f", sum[0] - base[0], sum[1] - base[1], sum[2] - base[2]));
            acc.put(enc, sum);
        }
        perSeed.append(seeds);
        double int8Cost = 0;
        for (int j = 0; j < 3; j++) int8Cost = Math.max(int8Cost, base[j] - acc.get("INT8")[j]);
        String verdict = f("The default update encoding is %s (`JobSpec.DEFAULT_UPDATE_ENCODING`). In this run INT8 costs %s on any "
                + "tier's mean: %s the 0.1-point bar for that default (single runs swing by 0.1-0.5 points).",
                io.fedprune.coordinator.job.JobSpec.DEFAULT_UPDATE_ENCODING,
                int8Cost <= 0 ? "nothing" : f("at most %.2f points", int8Cost), int8Cost <= 0.1 ? "within" : "over");
        return f("`./fedprune demo --encoding E --seed S --baseline-epochs 0` for E = FLOAT32, INT8, MASK and S = 1, 2, 3 (10 devices, "
                + "20 rounds, LeNet-300-100; FLOAT32 is the baseline); MNIST test accuracy of each tier after the last round, "
                + "mean of the seeds; bits per parameter as sent (data and INT8 scales over the logits count). MASK: each device "
                + "sends its own top-k mask, Rice-coded; the coordinator fuses inclusion counts.%n%n%s%n%s%n%nPer seed:%n%n%s",
                mean, verdict, perSeed);
    }
}
