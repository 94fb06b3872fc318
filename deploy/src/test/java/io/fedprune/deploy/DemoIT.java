package io.fedprune.deploy;

import io.fedprune.runtime.TierKeys;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedprune.data.DataFiles;
import io.fedprune.data.Idx;
import io.fedprune.data.Mnist;
import io.fedprune.data.NdArray;
import io.fedprune.data.TestData;
import io.fedprune.deploy.report.ArtifactCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import java.util.concurrent.TimeUnit;

/**
 * A reduced demo end to end, through the command-line entry point: embedded broker, coordinator, 4 agents with 3
 * budgets on the committed MNIST subset, 2 rounds, baselines; then the JSON report is checked.
 */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
class DemoIT {

    @Test
    void reducedDemoWritesAConsistentReport(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("report"), json = dir.resolve("demo.json");
        String[] args = {"--data", TestData.mnistMini().toString(), "--devices", "4", "--rounds", "2",
                "--budgets", "0.05,0.1,0.25", "--pretrain-epochs", "2", "--baseline-epochs", "1", "--seed", "3",
                "--weighting", "sqrt_samples",
                "--out", out.toString(), "--work", dir.resolve("work").toString(), "--json", json.toString(), "--port", "0"};
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int code;
        try (PrintStream ps = new PrintStream(console, true, StandardCharsets.UTF_8)) {
            System.setOut(ps);
            code = io.fedprune.Cli.execute(new DemoMain(args), args);
        } finally {
            System.setOut(old);
        }
        String log = console.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, log);
        List<String> lines = log.lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("rounds") && l.contains("] 2/2") && l.contains("4/4 replied")), log);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("baselines") && l.contains("] 3/3")), log);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("[demo] dashboard: http://127.0.0.1:")), log);
        assertTrue(lines.size() <= 40, lines.size() + " lines on the console:\n" + log);
        assertTrue(lines.stream().noneMatch(l -> l.contains(" INFO ") || l.contains(" WARN ") || l.contains("BootstrapMetadata")),
                "logs stay off the console:\n" + log);
        String logFile = Files.readString(out.resolve("demo.log"));
        assertTrue(logFile.contains("INFO"), "the logs are in demo.log beside the report");

        JsonNode r = new ObjectMapper().readTree(json.toFile());
        assertEquals(r, new ObjectMapper().readTree(out.resolve("report.json").toFile()));
        assertEquals("SQRT_SAMPLES", r.get("config").get("weighting").asText(), "options are case-insensitive, reported upper-case");
        double dense = r.get("dense_accuracy").asDouble();
        assertTrue(dense > 0.5 && dense <= 1, "dense accuracy " + dense);

        JsonNode tiers = r.get("tiers");
        assertEquals(3, tiers.size());
        double[] keeps = {0.05, 0.1, 0.25};
        // k = ceil(keep * n) for fc1 (n = 784) and fc2 (n = 300); fc3 (n = 100) keeps max(keep, 25%)
        int[][] ks = {{40, 15, 25}, {79, 30, 25}, {196, 75, 25}};
        for (int t = 0; t < 3; t++) {
            JsonNode tier = tiers.get(t);
            assertEquals(keeps[t], tier.get("keep").asDouble(), 1e-12);
            assertEquals(ks[t][0], tier.get("k").get("fc1").asInt());
            assertEquals(ks[t][1], tier.get("k").get("fc2").asInt());
            assertEquals(ks[t][2], tier.get("k").get("fc3").asInt());
            double acc = tier.get("accuracy").asDouble();
            assertTrue(acc > 0.2 && acc <= 1, "tier accuracy " + acc + " is far above chance (0.1)");
            Path artifact = Path.of(tier.get("artifact").asText());
            assertTrue(artifact.startsWith(out), artifact + " is in the report folder");
            assertTrue(ArtifactCheck.check(Files.readAllBytes(artifact)).ok(), "artifact is k-of-n");
            // the ONNX export beside it: a model whose metadata names the tier
            var onnx = io.fedprune.onnx.proto.ModelProto.parseFrom(Files.readAllBytes(artifact.resolveSibling(
                    artifact.getFileName().toString().replace(".safetensors", ".onnx"))));
            assertTrue(onnx.getMetadataPropsList().stream().anyMatch(m -> m.getKey().equals(TierKeys.ONNX_TIER)
                    && m.getValue().equals(tier.get("tier").asText())), "the ONNX export names its tier");
            assertTrue(tier.get("k_of_n").asBoolean());
            assertTrue(tier.get("compact_bytes").asLong() < tier.get("dense_bytes").asLong());
        }

        JsonNode rounds = r.get("rounds");
        assertEquals(2, rounds.size());
        for (int i = 0; i < 2; i++) {
            JsonNode rd = rounds.get(i);
            assertEquals(i + 1, rd.get("round").asInt());
            assertEquals(4, rd.get("replied").asInt());
            assertTrue(rd.get("duration_ms").asLong() > 0);
            assertTrue(rd.get("train_ms_max").asLong() > 0);
            assertTrue(rd.get("train_ms_max").asLong() <= rd.get("duration_ms").asLong());
        }
        assertEquals(8.5, r.get("uplink_bits_per_param").asDouble(), 0.1, "the default INT8 logits: 8 bits each and a float32 scale per 64");
        assertEquals("INT8", r.get("config").get("encoding").asText());

        JsonNode bl = r.get("baselines");
        assertEquals(6, bl.size());
        Set<String> seen = new HashSet<>();
        for (JsonNode b : bl) seen.add(b.get("method").asText() + "@" + b.get("keep").asDouble());
        for (double k : keeps) {
            assertTrue(seen.contains("dpp-centralised@" + k), seen.toString());
            assertTrue(seen.contains("magnitude@" + k), seen.toString());
        }
        JsonNode acks = r.get("acks");
        assertEquals(4, acks.size());
        for (JsonNode a : acks) assertTrue(a.get("applied").asBoolean(), a.toString());
        for (String f : new String[]{"REPORT.md", "accuracy.svg", "convergence.svg", "tiers.svg"})
            assertTrue(Files.size(out.resolve(f)) > 500, f);
    }

    /** Runs the demo command line; returns the exit code and what it wrote to standard error. */
    private static Object[] runCapturingErrors(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        int code;
        try (PrintStream ps = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setErr(ps);
            code = io.fedprune.Cli.execute(new DemoMain(args), args);
        } finally {
            System.setErr(old);
        }
        String[] lines = err.toString(StandardCharsets.UTF_8).trim().split("\n");
        return new Object[]{code, lines[lines.length - 1]};   // the last line: log lines may come before it
    }

    @Test
    void dataThatDoesNotFitTheModelStopsWithOneLine(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("rgb"));
        DataFiles.npyBytes(data.resolve("x_train.npy"), new int[]{4, 3, 8, 8}, new byte[4 * 3 * 64]);
        DataFiles.npyLongs(data.resolve("y_train.npy"), new int[]{0, 1, 2, 1});
        DataFiles.npyBytes(data.resolve("x_test.npy"), new int[]{2, 3, 8, 8}, new byte[2 * 3 * 64]);
        DataFiles.npyLongs(data.resolve("y_test.npy"), new int[]{1, 0});
        Object[] r = runCapturingErrors("--data", data.toString(), "--work", dir.resolve("work").toString(), "--out", dir.resolve("o").toString());
        assertEquals(2, r[0]);
        assertEquals("demo: model lenet300 takes 1x28x28 images of 10 classes but data " + data + " holds 3x8x8 images of 3 classes", r[1]);
    }

    @Test
    void aDenseModelNearChanceStopsTheDemo(@TempDir Path dir) throws Exception {
        // the MNIST subset with every training label moved by 3 and the test labels as they are: the dense model learns
        // the moved labels and scores far below chance on the test split
        Path data = Files.createDirectories(dir.resolve("moved"));
        for (String f : new String[]{Mnist.TRAIN_IMAGES, Mnist.TRAIN_LABELS, Mnist.TEST_IMAGES, Mnist.TEST_LABELS}) {
            NdArray a = Idx.read(TestData.mnistMini().resolve(f + ".gz"));
            byte[] b = new byte[a.values().length];
            for (int i = 0; i < b.length; i++) b[i] = (byte) (f.equals(Mnist.TRAIN_LABELS) ? ((int) a.values()[i] + 3) % 10 : (int) a.values()[i]);
            DataFiles.idx(data.resolve(f), a.dims(), b);
        }
        Object[] r = runCapturingErrors("--data", data.toString(), "--pretrain-epochs", "2", "--train-samples", "1000",
                "--work", dir.resolve("work").toString(), "--out", dir.resolve("o").toString());
        assertEquals(2, r[0], (String) r[1]);
        assertTrue(((String) r[1]).matches("demo: the dense lenet300 reaches \\d+\\.\\d\\d% on the test images of .*, not clearly above "
                + "chance \\(10\\.00% for 10 classes\\): it does not fit this data, so pruning it would measure nothing"), (String) r[1]);
    }

    /** The committed example model (tools/train-mnist-cnn.py), from the module directory the tests run in. */
    private static final Path CNN = Path.of("..", "models", "mnist-cnn.onnx");

    @Test
    void anImportedCnnRunsAFederatedJobWithoutPretraining(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("o"), json = dir.resolve("demo.json");
        String[] args = {"--model", CNN.toString(), "--data", TestData.mnistMini().toString(), "--devices", "2", "--rounds", "1",
                "--budgets", "0.5", "--granularity", "FILTER", "--train-samples", "300", "--test-samples", "300", "--validation-samples", "200",
                "--baseline-epochs", "1", "--work", dir.resolve("work").toString(), "--out", out.toString(), "--json", json.toString(),
                "--port", "0"};
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int code;
        try (PrintStream ps = new PrintStream(console, true, StandardCharsets.UTF_8)) {
            System.setOut(ps);
            code = new picocli.CommandLine(new DemoMain(args)).execute(args);
        } finally {
            System.setOut(old);
        }
        String log = console.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, log);
        assertTrue(log.contains("imported from " + CNN), log);
        assertFalse(Files.exists(dir.resolve("work/coordinator/models")), "no pretraining for an imported model");
        JsonNode r = new ObjectMapper().readTree(json.toFile());
        // PyTorch measured 99.15% on the whole MNIST test set; the first 300 images are among the easier ones
        assertTrue(r.get("dense_accuracy").asDouble() > 0.97, log);
        JsonNode tier = r.get("tiers").get(0);
        assertEquals(0.5, tier.get("keep").asDouble(), 1e-12);
        // FILTER on the convolutions (G=1, n = output channels): k = ceil(0.5 n); the output layer keeps WEIGHT
        assertEquals(List.of("conv1", "conv2", "conv3", "fc1", "fc2"), fieldNames(tier.get("k")));
        int[] k = {8, 16, 16, 32, 32};   // of n = 16, 32, 32 channels, 64 neurons (FILTER); fc2: 32 of its 64 inputs (WEIGHT)
        for (int i = 0; i < k.length; i++) assertEquals(k[i], tier.get("k").get(fieldNames(tier.get("k")).get(i)).asInt());
        assertTrue(tier.get("k_of_n").asBoolean(), tier.toString());
        assertTrue(tier.get("accuracy").asDouble() > 0.2, tier.toString());
        // the validation split (the last 200 of the 2000 training images) chose the tier's round: the only one
        assertEquals(1, tier.get("round").asInt(), tier.toString());
        assertTrue(tier.get("validation_accuracy").asDouble() > 0.2 && tier.get("validation_accuracy").asDouble() <= 1, tier.toString());
        assertTrue(log.contains("the coordinator's validation split: the last 200 training images"), log);
        assertTrue(log.contains("(round 1, best on validation: "), log);
        assertEquals(tier.get("validation_accuracy").asDouble(), r.get("rounds").get(0).get("validation_accuracy").get("keep-0.5").asDouble(), 0);
        for (JsonNode a : r.get("acks")) assertTrue(a.get("applied").asBoolean(), a.toString());
        var onnx = io.fedprune.onnx.proto.ModelProto.parseFrom(Files.readAllBytes(out.resolve("artifacts/keep-0.5.onnx")));
        assertTrue(onnx.getMetadataPropsList().stream().anyMatch(m -> m.getKey().equals("fedprune.tier") && m.getValue().equals("keep-0.5")));
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void aValidationSplitThatOverlapsTheDevicesImagesStopsWithOneLine(@TempDir Path dir) {
        String data = TestData.mnistMini().toString(), work = dir.resolve("w").toString();
        Object[] r = runCapturingErrors("--data", data, "--work", work, "--out", dir.resolve("o").toString(), "--validation-samples", "200");
        assertEquals(2, r[0]);
        assertTrue(((String) r[1]).startsWith("demo: --validation-samples needs --train-samples"), (String) r[1]);
        r = runCapturingErrors("--data", data, "--work", work, "--out", dir.resolve("o").toString(), "--train-samples", "1900",
                "--validation-samples", "200");
        assertEquals(2, r[0]);
        assertEquals("demo: --train-samples 1900 and --validation-samples 200 overlap: " + data + " holds 2000 training images", r[1]);
    }

    @Test
    void badModelFilesStopWithOneLine(@TempDir Path dir) throws Exception {
        String data = TestData.mnistMini().toString();
        byte[] cnn = Files.readAllBytes(CNN);

        Path text = Files.writeString(dir.resolve("notes.onnx"), "not a model\n");
        Object[] r = runCapturingErrors("--model", text.toString(), "--data", data);
        assertEquals(2, r[0]);
        assertTrue(((String) r[1]).startsWith("demo: " + text + ": not an ONNX model"), (String) r[1]);

        Path truncated = Files.write(dir.resolve("truncated.onnx"), java.util.Arrays.copyOf(cnn, cnn.length / 2));
        r = runCapturingErrors("--model", truncated.toString(), "--data", data);
        assertEquals(2, r[0]);
        assertTrue(((String) r[1]).startsWith("demo: " + truncated + ": not an ONNX model"), (String) r[1]);

        // the first Relu replaced by an operator fedprune does not run
        io.fedprune.onnx.proto.ModelProto.Builder b = io.fedprune.onnx.proto.ModelProto.parseFrom(cnn).toBuilder();
        for (io.fedprune.onnx.proto.NodeProto.Builder n : b.getGraphBuilder().getNodeBuilderList()) {
            if (n.getOpType().equals("Relu")) {
                n.setOpType("Elu");
                break;
            }
        }
        Path elu = Files.write(dir.resolve("elu.onnx"), b.build().toByteArray());
        r = runCapturingErrors("--model", elu.toString(), "--data", data);
        assertEquals(2, r[0]);
        assertTrue(((String) r[1]).startsWith("demo: " + elu + ": ") && ((String) r[1]).contains("Elu"), (String) r[1]);

        r = runCapturingErrors("--model", dir.resolve("missing.onnx").toString(), "--data", data);
        assertEquals(2, r[0]);
        assertEquals("demo: model file " + dir.resolve("missing.onnx") + " not found", r[1]);
    }

    @Test
    void anImportedModelWhoseInputDoesNotMatchTheDataStops(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("rgb"));
        DataFiles.npyBytes(data.resolve("x_train.npy"), new int[]{2, 3, 32, 32}, new byte[2 * 3 * 1024]);
        DataFiles.npyLongs(data.resolve("y_train.npy"), new int[]{0, 9});
        DataFiles.npyBytes(data.resolve("x_test.npy"), new int[]{1, 3, 32, 32}, new byte[3 * 1024]);
        DataFiles.npyLongs(data.resolve("y_test.npy"), new int[]{9});
        Object[] r = runCapturingErrors("--model", CNN.toString(), "--data", data.toString());
        assertEquals(2, r[0]);
        assertEquals("demo: model " + CNN + " takes 1x28x28 images of 10 classes but data " + data + " holds 3x32x32 images of 10 classes", r[1]);
    }

    @Test
    void nearChanceIsATenthOfTheWayFromChanceToPerfect() {
        assertTrue(io.fedprune.cli.ModelInput.nearChance(0.1054, 10));    // the accuracy of the MNIST cache reused on other data
        assertTrue(io.fedprune.cli.ModelInput.nearChance(0.189, 10));     // 0.1 + 0.1 * 0.9 = 0.19
        assertFalse(io.fedprune.cli.ModelInput.nearChance(0.191, 10));
        assertTrue(io.fedprune.cli.ModelInput.nearChance(0.54, 2));       // 0.5 + 0.1 * 0.5 = 0.55
        assertFalse(io.fedprune.cli.ModelInput.nearChance(0.56, 2));
    }

    @Test
    void badOptionsExitWithAMessage(@TempDir Path dir) {
        String[] args = {"--data", dir.resolve("missing").toString()};
        assertEquals(2, io.fedprune.Cli.execute(new DemoMain(args), args));
        String[] bad = {"--budgets", "0.05,1.5", "--data", TestData.mnistMini().toString()};
        assertEquals(2, io.fedprune.Cli.execute(new DemoMain(bad), bad));
        for (String[] option : new String[][]{{"--weighting", "BY_SIZE"}, {"--fusion", "VOTE"}, {"--encoding", "INT4"}}) {
            String[] a = {option[0], option[1], "--data", TestData.mnistMini().toString()};
            assertEquals(2, io.fedprune.Cli.execute(new DemoMain(a), a), String.join(" ", option));
        }
    }
}
