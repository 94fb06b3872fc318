package io.fedprune.experiment;

import io.fedprune.cli.ReportJson;

import io.fedprune.dpp.MaskSpec;
import io.fedprune.model.LayerMetrics;
import io.fedprune.model.MaskSpecs;
import io.fedprune.model.ModelArch;
import io.fedprune.model.TrainConfig;
import io.fedprune.experiment.LocalExperiment.DenseInfo;
import io.fedprune.experiment.LocalExperiment.Results;
import io.fedprune.experiment.LocalExperiment.Row;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/** Writes the {@link LocalExperiment} results as Markdown ({@code docs/RESULTS.md}) and JSON. */
public final class ResultsReport {

    private ResultsReport() {
    }

    /** The Markdown report. */
    public static String markdown(Results r) {
        StringBuilder md = new StringBuilder();
        LocalExperiment.Options o = r.options();
        TrainConfig c = r.dppConfig();
        boolean imported = o.model() != null;
        md.append("# Results: centralised DPP against k-of-n baselines on ").append(imported ? o.model() : "MNIST").append("\n\n");
        md.append("Weights frozen: only the masks differ between methods. Every mask keeps exactly k candidates per group; ")
                .append("the output layer keeps max(keep, 25%) at weight level. Accuracies on the ")
                .append(o.testLimit() > 0 ? "first " + o.testLimit() : imported ? "" : "10,000")
                .append(imported ? " test images of " + o.data() : " MNIST test images")
                .append(o.trainLimit() > 0 ? ", training on the first " + o.trainLimit() + " images" : "").append(".\n\n");
        md.append("Measured ").append(LocalDate.now()).append(" on this machine (")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores, OMP_NUM_THREADS=")
                .append(Objects.requireNonNullElse(System.getenv("OMP_NUM_THREADS"), "unset")).append(", shared with other jobs")
                .append(loadAverage()).append("), ")
                .append(String.format(Locale.ROOT, "%.1f", r.millis() / 60000.0)).append(" minutes in all. Reproduce with:\n\n");
        md.append("```\n").append(o.command()).append("\n```\n\n");

        md.append("## Dense models\n\n| model | test accuracy | epochs | training step (batch 128) |\n|---|---|---|---|\n");
        for (DenseInfo d : r.dense().values())
            md.append(String.format(Locale.ROOT, "| %s | %.2f%% | %d | %.2f ms |%n", name(d.model()), 100 * d.accuracy(), d.epochs(), d.stepMillis()));
        if (imported) md.append("\n").append(o.model()).append(" is imported with its trained weights (not trained here); its accuracy is measured here.");
        else md.append("\nDense training: Adam, learning rate 1e-3 with cosine decay to 0, batch 128, He-normal initialisation, seed ")
                .append(o.seed()).append(".");
        List<String> cached = r.dense().values().stream().filter(DenseInfo::cached).map(d -> name(d.model())).toList();
        if (!cached.isEmpty())
            md.append(" ").append(String.join(" and ", cached)).append(cached.size() > 1 ? " were" : " was")
                    .append(" loaded from the cache in ").append(o.work().resolve("models"))
                    .append(" (trained by an earlier run of the same command; --retrain trains again), so the run time above excludes")
                    .append(cached.size() > 1 ? " their" : " its").append(" training.");
        md.append("\n\n");

        for (String model : r.dense().keySet()) {
            List<Row> rows = r.rows().stream().filter(x -> x.model().equals(model)).toList();
            if (rows.isEmpty()) continue;
            md.append("## ").append(name(model)).append("\n\n");
            md.append("| granularity | keep | k per layer (").append(String.join("/", rows.get(0).specs().stream().map(MaskSpec::layer).toList()))
                    .append(") | DPP | magnitude | random (mean ± sd of ").append(o.randomSeeds()).append(" seeds) | DPP step |\n");
            md.append("|---|---|---|---|---|---|---|\n");
            for (Row d : rows) {
                if (!d.method().equals("dpp")) continue;
                Row mag = find(rows, d, "magnitude").orElseThrow(), rnd = find(rows, d, "random").orElseThrow();
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | **%.2f%%** | %.2f%% | %.2f%% ± %.2f | %.1f ms |%n",
                        granularityLabel(model, d.granularity()), pct(d.keep()), d.ks(), 100 * d.accuracy(),
                        100 * mag.accuracy(), 100 * rnd.accuracy(), 100 * rnd.spread(), d.millisPerStep()));
            }
            md.append('\n');
            List<Row> variants = rows.stream().filter(x -> x.method().equals(LocalExperiment.INT8)).toList();
            if (!variants.isEmpty()) {
                md.append("Variants at weight level: the same DPP with the masked weights quantised to 8 bits (symmetric, ")
                        .append("per layer; straight-through in the backward pass; weights frozen), and DPP trained jointly ")
                        .append("with the weights and biases (Adam, lr ").append(TrainConfig.DEFAULTS.weightLr())
                        .append("; the weights change, so this is not the frozen-weights setting of the targets).\n\n");
                md.append("| keep | DPP (float, frozen) | DPP, 8-bit weights (frozen) | DPP joint with weights | magnitude |\n|---|---|---|---|---|\n");
                for (Row q : variants) {
                    String dpp = find(rows, q, "dpp").map(x -> String.format(Locale.ROOT, "%.2f%%", 100 * x.accuracy())).orElse("-");
                    String mag = find(rows, q, "magnitude").map(x -> String.format(Locale.ROOT, "%.2f%%", 100 * x.accuracy())).orElse("-");
                    Row j = find(rows, q, LocalExperiment.JOINT).orElseThrow();
                    md.append(String.format(Locale.ROOT, "| %s | %s | %.2f%% | %.2f%% | %s |%n", pct(q.keep()), dpp, 100 * q.accuracy(),
                            100 * j.accuracy(), mag));
                }
                md.append('\n');
            }
        }
        if (r.dense().containsKey(ModelArch.LENET5.id()))
            md.append("LeNet-5 granularity names the convolutions' granularity (KERNEL: k of the cin kh x kw kernels per ")
                    .append("output map; FILTER: k of the cout feature maps survive); fc1 is weight level, fc2 the output layer. ")
                    .append("conv1 has one input channel, so at kernel granularity it has n = 1 and keeps everything.\n\n");

        md.append("## Mask metrics of the DPP masks\n\nConfidence: 1 - normalised entropy of the inclusion probabilities of ")
                .append("the learned k-subset distribution (1 = certain). Diversity: normalised entropy of the layer's mean ")
                .append("selection frequency (0 = every group picks the same candidates; always 0 for a single group, ")
                .append("as with FILTER). Formulas in `io.fedprune.dpp.Metrics`.\n\n");
        md.append("| model | granularity | keep | layer | k / n | confidence | diversity |\n|---|---|---|---|---|---|---|\n");
        for (Row d : r.rows()) {
            if (!d.method().equals("dpp")) continue;
            for (int i = 0; i < d.metrics().size(); i++) {
                LayerMetrics m = d.metrics().get(i);
                var s = d.specs().get(i);
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s %d / %d | %.3f | %.3f |%n", name(d.model()),
                        granularityLabel(d.model(), d.granularity()), pct(d.keep()), m.layer(),
                        s.granularity().name().toLowerCase(Locale.ROOT), s.k(), s.n(), zero(m.confidence()), zero(m.diversity())));
            }
        }

        if (!imported) {
            md.append("\n## Targets\n\n");
            for (String t : targets(r)) md.append("- ").append(t).append('\n');

            md.append("\nFor reference, the numpy prototype of the same method (shared/reference) measured on LeNet-300-100 at keep ")
                    .append("2 / 5 / 10 / 25%: DPP 92.06 / 97.25 / 98.07 / 98.04%, magnitude 30.04 / 49.27 / 74.03 / 93.72%, ")
                    .append("random 8.5 / 12.7 / 11.8 / 22.0% (its dense model: 98.33%).\n");
        }
        md.append("\n## Settings\n\n");
        md.append(String.format(Locale.ROOT, "DPP: %d epoch(s) over the training set, batch %d, Adam on the logits (lr %s, constant), ", c.epochs(), c.batchSize(), c.lr()))
                .append(String.format(Locale.ROOT, "temperature linear %s -> %s over all steps, entropy weight %s, ", c.t0(), c.t1(), c.entropyWeight()))
                .append(String.format(Locale.ROOT, "exact k successive softmaxes for k <= %d and their continuous limit above, ", c.exactKMax()))
                .append("logits initialised as 2 x the per-group z-score of the candidates' magnitudes, seed ").append(o.seed())
                .append("; final mask = top-k of the logits. Magnitude: top-k of the candidates' L2 norms per group. ")
                .append("Random: a uniform k-subset per group. DPP step = mean wall time of one training step (mask sampling, ")
                .append("forward and backward, logits update) in the run.\n");
        return md.toString();
    }

    private static List<String> targets(Results r) {
        List<String> out = new ArrayList<>();
        DenseInfo l300 = r.dense().get(ModelArch.LENET300.id()), l5 = r.dense().get(ModelArch.LENET5.id());
        if (l300 != null) out.add(check("dense LeNet-300-100 >= 98.0%", l300.accuracy(), 0.980));
        if (l5 != null) out.add(check("dense LeNet-5 >= 99.0%", l5.accuracy(), 0.990));
        double[][] goals = {{0.02, 0.90}, {0.05, 0.970}, {0.10, 0.978}};
        for (double[] g : goals) {
            Row d = r.rows().stream().filter(x -> x.model().equals(ModelArch.LENET300.id()) && x.method().equals("dpp")
                    && Math.abs(x.keep() - g[0]) < 1e-9).findFirst().orElse(null);
            if (d != null) out.add(check(String.format(Locale.ROOT, "DPP LeNet-300-100 at keep %s >= %.1f%%", pct(g[0]), 100 * g[1]), d.accuracy(), g[1]));
        }
        List<String> beat = new ArrayList<>(), lost = new ArrayList<>();
        for (Row d : r.rows()) {
            if (!d.method().equals("dpp") || !d.model().equals(ModelArch.LENET300.id())) continue;
            Row m = find(r.rows(), d, "magnitude").orElseThrow();
            (d.accuracy() > m.accuracy() ? beat : lost).add(pct(d.keep()));
        }
        if (!beat.isEmpty() || !lost.isEmpty())
            out.add("DPP LeNet-300-100 above magnitude at every keep: " + (lost.isEmpty() ? "met" : "MISSED at " + lost)
                    + " (above at " + beat + ")");
        return out;
    }

    /** ", load average X at the end" from /proc/loadavg where it exists (step times depend on it), else "". */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return "; 1/5/15-minute load average at the end: " + f[0] + " / " + f[1] + " / " + f[2];
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** Rounds tiny values (e.g. -1e-17) to 0 for display. */
    private static double zero(double v) {
        return Math.abs(v) < 5e-4 ? 0 : v;
    }

    private static String check(String what, double got, double goal) {
        return String.format(Locale.ROOT, "%s: %.2f%% — %s", what, 100 * got, got >= goal ? "met" : "MISSED");
    }

    private static java.util.Optional<Row> find(List<Row> rows, Row like, String method) {
        return rows.stream().filter(x -> x.model().equals(like.model()) && x.granularity().equals(like.granularity())
                && x.keep() == like.keep() && x.method().equals(method)).findFirst();
    }

    /** A built-in's name, or the imported model's file. */
    private static String name(String model) {
        return model.equals(ModelArch.LENET300.id()) ? "LeNet-300-100" : model.equals(ModelArch.LENET5.id()) ? "LeNet-5" : model;
    }

    private static String granularityLabel(String model, String g) {
        if (g.equals("default")) return MaskSpecs.DEFAULT_PLAN;
        if (g.equals("weight") || model.equals(ModelArch.LENET300.id())) return g;
        if (model.equals(ModelArch.LENET5.id())) return g + " (conv), weight (fc)";
        return g.equals("kernel") ? "kernel (Conv), weight (Gemm/MatMul)" : g + " (hidden layers), weight (output)";
    }

    private static String pct(double keep) {
        double p = 100 * keep;
        return (p == Math.rint(p) ? String.format(Locale.ROOT, "%.0f", p) : String.format(Locale.ROOT, "%.1f", p)) + "%";
    }

    /** The JSON report: {@code {"dense": {MODEL: accuracy}, "rows": [{"model", "granularity", "keep", "method", "accuracy"}]}}. */
    public static String json(Results r) {
        Map<String, Double> dense = new LinkedHashMap<>();
        r.dense().forEach((a, d) -> dense.put(a, d.accuracy()));
        List<JsonRow> rows = r.rows().stream().filter(row -> List.of("dpp", "magnitude", "random").contains(row.method()))
                .map(row -> new JsonRow(row.model(), row.granularity(), row.keep(), row.method(), row.accuracy())).toList();
        return ReportJson.write(new JsonReport(dense, rows));
    }

    /** The JSON report's shape. */
    private record JsonReport(Map<String, Double> dense, List<JsonRow> rows) {
    }

    /** A row of the JSON report. */
    private record JsonRow(String model, String granularity, double keep, String method, double accuracy) {
    }

    public static void writeMarkdown(Results r, Path file) throws IOException {
        write(file, markdown(r));
    }

    public static void writeJson(Results r, Path file) throws IOException {
        write(file, json(r));
    }

    private static void write(Path file, String s) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Files.writeString(file, s);
    }
}
