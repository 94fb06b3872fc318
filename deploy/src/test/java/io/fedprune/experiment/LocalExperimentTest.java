package io.fedprune.experiment;

import io.fedprune.model.ModelArch;
import io.fedprune.data.TestData;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalExperimentTest {

    /** The options {@code ./fedprune local ARGS} runs with; null for --help. */
    static LocalExperiment.Options parse(String... args) {
        LocalMain m = new LocalMain(args);
        CommandLine cl = io.fedprune.Cli.commandLine(m);
        cl.parseArgs(args);
        return cl.isUsageHelpRequested() ? null : m.options();
    }

    static List<String> names(com.fasterxml.jackson.databind.JsonNode object) {
        List<String> out = new java.util.ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void parsesOptionsAndNamesBadOnes() {
        LocalExperiment.Options o = parse("--models", "lenet5", "--keeps", "0.1,0.02",
                "--lenet5-rows", "filter:0.5", "--dpp-epochs", "2", "--json", "r.json");
        assertEquals(List.of(ModelArch.LENET5), o.models());
        assertEquals(List.of(0.1, 0.02), o.keeps());
        assertEquals(2, o.dppEpochs());
        assertEquals(Path.of("r.json"), o.json());
        assertEquals("./fedprune local --models lenet5 --keeps 0.1,0.02 --lenet5-rows filter:0.5 --dpp-epochs 2 --json r.json", o.command());
        assertNull(parse("--help"));
        String data = Path.of("data/mnist").toAbsolutePath().toString();
        assertEquals("./fedprune local --json r.json", parse("--data", data, "--json", "r.json").command());
        assertEquals("./fedprune local --data elsewhere", parse("--data", "elsewhere").command());
        assertEquals(LocalExperiment.Options.DEFAULTS.keeps(), parse().keeps(), "defaults from Options.DEFAULTS");
        assertEquals(LocalExperiment.Options.DEFAULTS.variantKeeps(), parse().variantKeeps());
        assertEquals(List.of(), parse("--variant-keeps", "none").variantKeeps());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("--keeps", "1.5"))
                .getMessage().contains("--keeps"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("--lenet5-rows", "tile:0.5"))
                .getMessage().contains("tile"));
        assertTrue(assertThrows(CommandLine.ParameterException.class, () -> parse("--dpp-epochs", "x"))
                .getMessage().contains("--dpp-epochs"));
        assertTrue(assertThrows(CommandLine.ParameterException.class, () -> parse("--frobnicate", "1"))
                .getMessage().contains("--frobnicate"));
    }

    @Test
    void anImportedCnnRunsAtTheDefaultPlanAndAtAnAskedGranularity(@TempDir Path dir) throws Exception {
        Path cnn = Path.of("..", "models", "mnist-cnn.onnx");   // the committed example model, from the module directory
        String[] args = {"--model", cnn.toString(), "--data", TestData.mnistMini().toString(), "--work", dir.toString(),
                "--json", dir.resolve("r.json").toString(), "--keeps", "0.5", "--dpp-epochs", "1", "--random-seeds", "1",
                "--train-limit", "256", "--test-limit", "300"};
        LocalExperiment.Options o = parse(args);
        assertEquals(dir.resolve("local-mnist-cnn.md"), o.out(), "an imported model's report goes to the work folder, not docs/RESULTS.md");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        LocalExperiment.Results r = LocalExperiment.run(o, new PrintStream(log, true));
        assertEquals(List.of(cnn.toString()), List.copyOf(r.dense().keySet()));
        LocalExperiment.DenseInfo dense = r.dense().get(cnn.toString());
        // PyTorch measured 99.15% on the whole MNIST test set; the first 300 images are among the easier ones
        assertTrue(dense.accuracy() > 0.97, log.toString());
        assertEquals(0, dense.epochs(), "imported: not trained here");
        assertEquals(List.of("magnitude", "random", "dpp"), r.rows().stream().map(LocalExperiment.Row::method).toList());
        LocalExperiment.Row dpp = r.rows().get(2);
        // the default plan: KERNEL on the convolutions (conv1 has one input channel: n = 1), WEIGHT on fc1 and fc2
        assertEquals(List.of("conv1 KERNEL 1/1", "conv2 KERNEL 8/16", "conv3 KERNEL 16/32", "fc1 WEIGHT 784/1568", "fc2 WEIGHT 32/64"),
                dpp.specs().stream().map(s -> s.layer() + " " + s.granularity() + " " + s.k() + "/" + s.n()).toList());
        assertTrue(dpp.accuracy() > 0.2 && dpp.accuracy() <= 1, log.toString());
        ResultsReport.writeMarkdown(r, o.out());
        ResultsReport.writeJson(r, o.json());
        String md = Files.readString(o.out());
        assertTrue(md.contains("## " + cnn + "\n") && md.contains("| k per layer (conv1/conv2/conv3/fc1/fc2) |"), md);
        assertTrue(md.contains("| default (KERNEL for Conv, WEIGHT for Gemm/MatMul) | 50% | 1(all)/8/16/784/32 |"), md);
        com.fasterxml.jackson.databind.JsonNode tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(o.json().toFile());
        assertEquals(dense.accuracy(), tree.path("dense").path(cnn.toString()).asDouble(), 1e-12);

        String[] filter = java.util.Arrays.copyOf(args, args.length + 2);
        filter[args.length] = "--granularity";
        filter[args.length + 1] = "filter";
        LocalExperiment.Results f = LocalExperiment.run(parse(filter), new PrintStream(new ByteArrayOutputStream(), true));
        // FILTER on every hidden layer (G = 1, n = output channels or neurons), the output layer at WEIGHT
        assertEquals(List.of("conv1 FILTER 8/16", "conv2 FILTER 16/32", "conv3 FILTER 16/32", "fc1 FILTER 32/64", "fc2 WEIGHT 32/64"),
                f.rows().get(2).specs().stream().map(s -> s.layer() + " " + s.granularity() + " " + s.k() + "/" + s.n()).toList());
        assertEquals("filter", f.rows().get(2).granularity());
    }

    @Test
    void aTinyRunWritesTheReportsAndReusesTheCachedModel(@TempDir Path dir) throws Exception {
        String[] args = {"--data", TestData.mnistMini().toString(), "--work", dir.resolve("work").toString(),
                "--out", dir.resolve("RESULTS.md").toString(), "--json", dir.resolve("r.json").toString(),
                "--models", "lenet300", "--keeps", "0.1", "--dense-epochs", "2", "--dpp-epochs", "1", "--random-seeds", "2",
                "--train-limit", "1024", "--test-limit", "300", "--variant-keeps", "0.1"};
        LocalExperiment.Options o = parse(args);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        LocalExperiment.Results r = LocalExperiment.run(o, new PrintStream(log, true));
        assertEquals(List.of("magnitude", "random", "dpp", LocalExperiment.INT8, LocalExperiment.JOINT),
                r.rows().stream().map(LocalExperiment.Row::method).toList());
        ResultsReport.writeMarkdown(r, o.out());
        ResultsReport.writeJson(r, o.json());
        String md = Files.readString(o.out());
        assertTrue(md.contains("| weight | 10% | 79/30/25 |"), md);
        assertTrue(md.contains(o.command()), md);
        assertTrue(md.contains("| keep | DPP (float, frozen) | DPP, 8-bit weights (frozen) |"), md);
        String json = Files.readString(o.json());
        com.fasterxml.jackson.databind.JsonNode tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        assertEquals(List.of("dense", "rows"), names(tree), json);
        assertEquals(List.of("lenet300"), names(tree.path("dense")), json);
        double dense = tree.path("dense").path("lenet300").asDouble(-1);
        assertTrue(tree.path("dense").path("lenet300").isNumber() && dense > 0 && dense < 1, json);
        boolean dppRow = false;
        for (com.fasterxml.jackson.databind.JsonNode row : tree.path("rows")) {
            assertEquals(List.of("model", "granularity", "keep", "method", "accuracy"), names(row), json);
            dppRow |= row.path("model").asText().equals("lenet300") && row.path("granularity").asText().equals("weight")
                    && row.path("keep").asDouble() == 0.1 && row.path("method").asText().equals("dpp") && row.path("accuracy").isNumber();
        }
        assertTrue(dppRow, json);
        assertTrue(!json.contains(LocalExperiment.INT8) && !json.contains(LocalExperiment.JOINT), "variants stay out of the JSON rows");
        assertTrue(log.toString().contains("saved lenet300"), log.toString());

        ByteArrayOutputStream log2 = new ByteArrayOutputStream();
        LocalExperiment.Results again = LocalExperiment.run(o, new PrintStream(log2, true));
        assertTrue(log2.toString().contains("loaded lenet300"), log2.toString());
        assertEquals(r.dense().get("lenet300").accuracy(), again.dense().get("lenet300").accuracy());
    }
}
