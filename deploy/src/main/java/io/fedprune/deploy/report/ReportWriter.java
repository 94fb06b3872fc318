package io.fedprune.deploy.report;

import io.fedprune.cli.ReportJson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes a {@link DemoReport} as {@code REPORT.md}, SVG plots and {@code report.json} into a folder. */
public final class ReportWriter {
    private ReportWriter() {
    }

    /** Writes the report into {@code dir}; returns the Markdown file. {@code command} is how it was produced. */
    public static Path write(DemoReport r, Path dir, String command) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.json"), ReportJson.write(r));
        Files.writeString(dir.resolve("accuracy.svg"), accuracyChart(r).render());
        Files.writeString(dir.resolve("convergence.svg"), convergenceChart(r).render());
        Files.writeString(dir.resolve("tiers.svg"), tierChart(r).render());
        Path md = dir.resolve("REPORT.md");
        Files.writeString(md, markdown(r, command));
        return md;
    }

    static SvgChart accuracyChart(DemoReport r) {
        SvgChart c = new SvgChart("Held-out accuracy per tier after each round", "round", "accuracy (%)");
        double[] x = r.rounds().stream().mapToDouble(DemoReport.Round::round).toArray();
        for (DemoReport.Tier t : r.tiers()) {
            double[] y = r.rounds().stream().mapToDouble(rd -> 100 * rd.accuracy().getOrDefault(t.tier(), Double.NaN)).toArray();
            c.add("keep " + pct(t.keep()), x, y);
        }
        return c;
    }

    static SvgChart convergenceChart(DemoReport r) {
        SvgChart c = new SvgChart("Fused logits: change per round; device mask similarity", "round", "value");
        double[] x = r.rounds().stream().mapToDouble(DemoReport.Round::round).toArray();
        c.add("logit change (rel.)", x, r.rounds().stream().mapToDouble(DemoReport.Round::logitsChange).toArray());
        c.add("mask Jaccard", x, r.rounds().stream().mapToDouble(DemoReport.Round::maskSimilarity).toArray());
        return c;
    }

    static SvgChart tierChart(DemoReport r) {
        SvgChart c = new SvgChart("Accuracy against keep ratio", "keep (%)", "accuracy (%)");
        c.add("federated DPP", r.tiers().stream().mapToDouble(t -> 100 * t.keep()).toArray(),
                r.tiers().stream().mapToDouble(t -> 100 * t.accuracy()).toArray());
        Map<String, List<DemoReport.Baseline>> by = new LinkedHashMap<>();
        for (DemoReport.Baseline b : r.baselines()) by.computeIfAbsent(b.method(), k -> new ArrayList<>()).add(b);
        by.forEach((m, bs) -> c.add(m, bs.stream().mapToDouble(b -> 100 * b.keep()).toArray(),
                bs.stream().mapToDouble(b -> 100 * b.accuracy()).toArray()));
        return c;
    }

    static String markdown(DemoReport r, String command) {
        StringBuilder s = new StringBuilder();
        Map<String, Object> c = r.config();
        s.append("# fedprune demo report\n\n");
        s.append("Produced by `").append(command).append("`.\n\n");
        s.append(f("%s, %s devices (Dirichlet alpha %s label skew, budgets %s round-robin), %s rounds, fusion %s "
                        + "(device weights: %s%s)%s, granularity %s, update encoding %s%s, seed %s. Broker: %s.\n\n",
                c.get("model"), c.get("devices"), c.get("alpha"), c.get("budgets"), c.get("rounds"), c.get("fusion"),
                c.get("weighting"), c.get("tier_proximity") instanceof Number p && p.doubleValue() > 0
                        ? "; each tier its own fusion, tier proximity " + p + ", nested" : "",
                Boolean.TRUE.equals(c.get("nested_training")) ? ", devices training every tier within their budget" : "",
                c.get("granularity"), c.get("encoding"), Boolean.TRUE.equals(c.get("row_ranks")) ? " with each row's ranks" : "",
                c.get("seed"), r.broker()));
        s.append(f("Dense model: **%.2f%%** test accuracy, %,d parameters (%.1f KiB in float32).\n\n",
                100 * r.denseAccuracy(), r.denseParams(), 4 * r.denseParams() / 1024.0));

        s.append("## Tiers\n\n");
        s.append("| tier | keep | k per layer | accuracy | round (validation) | vs centralised DPP | vs magnitude | artifact | compact size | vs dense | k-of-n | devices applied | their local accuracy |\n");
        s.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (DemoReport.Tier t : r.tiers()) {
            double cen = baseline(r, t.keep(), "dpp-centralised"), mag = baseline(r, t.keep(), "magnitude");
            s.append(f("| %s | %s | %s | **%.2f%%** | %s | %s | %s | `%s` (%.1f KiB) | %.1f KiB | %.1f%% | %s | %d | %s |\n",
                    t.tier(), pct(t.keep()), t.k().values(), 100 * t.accuracy(),
                    t.round() == null ? "last" : f("%d (%.2f%%)", t.round(), 100 * t.validationAccuracy()), diff(t.accuracy(), cen), diff(t.accuracy(), mag),
                    Path.of(t.artifact()).getFileName(), t.artifactBytes() / 1024.0, t.compactBytes() / 1024.0,
                    100.0 * t.compactBytes() / t.denseBytes(), t.kOfN() ? "verified" : "**FAILED**", t.devicesApplied(),
                    Double.isNaN(t.meanDeviceAccuracy()) ? "-" : f("%.2f%%", 100 * t.meanDeviceAccuracy())));
        }
        s.append("\nAccuracy: on the test images. Round: the round the tier's masks come from, chosen as its best on the "
                + "coordinator's validation split (accuracy there in brackets; never chosen on the test images), or the last round "
                + "without a validation split.\nThe compact size counts the kept values (float32) and their indices (int32) of the pruned layers plus "
                + "the biases; the artifact file also holds a dense 0/1 mask per layer (uint8). k-of-n: the artifact was "
                + "re-read and every group of every layer keeps exactly k candidates.\n\n");
        s.append("Per layer, after the last round (confidence: 1 - normalised entropy of the inclusion probabilities; "
                + "diversity: normalised entropy of the mean selection frequency):\n\n");
        s.append("| tier | layer | confidence | diversity |\n|---|---|---|---|\n");
        for (DemoReport.Tier t : r.tiers())
            for (String l : t.confidence().keySet())
                s.append(f("| %s | %s | %.3f | %.3f |\n", t.tier(), l, t.confidence().get(l), t.diversity().getOrDefault(l, Double.NaN)));

        s.append("\n![accuracy per round](accuracy.svg)\n\n![accuracy against keep](tiers.svg)\n\n");
        s.append("## Rounds\n\n| round | replied | duration | slowest device | training (sum) | accuracy per tier | logit change | mask similarity | uplink | bits/param |\n");
        s.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (DemoReport.Round rd : r.rounds()) {
            StringBuilder acc = new StringBuilder();
            rd.accuracy().forEach((t, a) -> acc.append(f("%s %.2f%%%s ", t.replace("keep-", ""), 100 * a,
                    rd.validationAccuracy().containsKey(t) ? f(" (val. %.2f%%)", 100 * rd.validationAccuracy().get(t)) : "")));
            s.append(f("| %d | %d/%d%s | %.1f s | %.1f s | %.1f s | %s| %.4f | %.3f | %.1f KiB | %.1f |\n", rd.round(), rd.replied(),
                    rd.selected(), rd.dropped().isEmpty() ? "" : " (dropped: " + String.join(", ", rd.dropped()) + ")", rd.durationMs() / 1e3, rd.trainMsMax() / 1e3, rd.trainMsSum() / 1e3, acc,
                    rd.logitsChange(), rd.maskSimilarity(), rd.uplinkBytes() / 1024.0, rd.uplinkBitsPerParam()));
        }
        s.append("\n![convergence](convergence.svg)\n\n");
        s.append("## Baselines (same model, same k-of-n structure)\n\n| keep | method | accuracy | time |\n|---|---|---|---|\n");
        for (DemoReport.Baseline b : r.baselines())
            s.append(f("| %s | %s | %.2f%% | %.1f s |\n", pct(b.keep()), b.method(), 100 * b.accuracy(), b.millis() / 1e3));
        DemoReport.Timing t = r.timing();
        s.append("\n## Time and traffic\n\n");
        s.append(f("| wall time | start-up | dense pretraining | job | local training | system overhead | overhead per round | baselines |\n"
                        + "|---|---|---|---|---|---|---|---|\n| %.1f s | %.1f s | %.1f s | %.1f s | %.1f s | %.1f s | %.2f s | %.1f s |\n\n",
                t.wallMs() / 1e3, t.startupMs() / 1e3, t.pretrainMs() / 1e3, t.jobMs() / 1e3, t.localTrainingMs() / 1e3,
                t.overheadMs() / 1e3, t.overheadPerRoundMs() / 1e3, t.baselinesMs() / 1e3));
        s.append(f("Local training is the devices' training time summed and divided by the %s agents that train at once; "
                + "the overhead is the rest of the job (round broadcast, blob transfer, fusion, tier evaluation, deployment).\n\n", c.get("train_threads")));
        s.append(f("Uplink: %.1f KiB in all, %.2f bits per parameter (logits as %s). JVM heap in use at the end: %d MiB "
                + "(coordinator, agents and their data share the JVM).\n\n", r.uplinkBytes() / 1024.0, r.uplinkBitsPerParam(), c.get("encoding"), t.heapUsedMb()));
        s.append("## Devices\n\n| device | budget | tier applied | local accuracy | local test images |\n|---|---|---|---|---|\n");
        for (DemoReport.Ack a : r.acks())
            s.append(f("| %s | %s | %s | %s | %d |\n", a.device(), pct(a.budget()), a.tier() == null ? "-" : a.tier(),
                    a.applied() ? f("%.2f%%", 100 * a.localAccuracy()) : "-", a.samples()));
        return s.toString();
    }

    static double baseline(DemoReport r, double keep, String method) {
        return r.baselines().stream().filter(b -> b.keep() == keep && b.method().equals(method)).mapToDouble(DemoReport.Baseline::accuracy)
                .findFirst().orElse(Double.NaN);
    }

    private static String diff(double a, double b) {
        return Double.isNaN(b) ? "-" : f("%+.2f pt", 100 * (a - b));
    }

    /** A keep ratio as a percentage without trailing zeros, e.g. {@code 0.05 -> 5%}. */
    public static String pct(double keep) {
        return new java.math.BigDecimal(Double.toString(100 * keep)).setScale(4, java.math.RoundingMode.HALF_UP)
                .stripTrailingZeros().toPlainString() + "%";
    }

    private static String f(String fmt, Object... args) {
        return String.format(Locale.ROOT, fmt, args);
    }
}
