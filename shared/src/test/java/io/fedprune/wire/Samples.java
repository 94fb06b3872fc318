package io.fedprune.wire;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * One fixed, fully populated envelope per message type (and per job event kind). Used by the round-trip tests
 * and as the expected values of the golden files: change a sample only together with a new golden file version.
 */
final class Samples {
    static final String SHA_A = "a".repeat(64);
    static final String SHA_B = "0123456789abcdef".repeat(4);
    static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    private Samples() {
    }

    static BlobRef ref(String id, String sha) {
        return new BlobRef(id, sha, 1_234_567, 3, Blobs.TENSORS);
    }

    static List<LayerSpec> layers() {
        return List.of(new LayerSpec("fc1", Granularity.WEIGHT, 784, 78), new LayerSpec("conv2", Granularity.KERNEL, 20, 5),
                new LayerSpec("fc3", Granularity.FILTER, 100, 25), new LayerSpec("fc2", Granularity.N_M, 4, 2));
    }

    static DeviceProfile profile() {
        return new DeviceProfile("device-7", new Budget(0.1, Map.of("fc1", 78, "fc2", 30)), 6000,
                List.of("encoding:int8", "model:lenet300"), "0.1.0");
    }

    static List<EncodedTensor> tensors() {
        // fc1: float32 [2,3] = 1, -2, 0.5, 0, 3.25, -0.125 (hand-written little-endian bytes)
        byte[] f32 = {0, 0, (byte) 0x80, 0x3f, 0, 0, 0, (byte) 0xc0, 0, 0, 0, 0x3f, 0, 0, 0, 0, 0, 0, 0x50, 0x40, 0, 0, 0, (byte) 0xbe};
        // fc2: float16 [2] = 1.0 (0x3c00), -2.0 (0xc000)
        byte[] f16 = {0x00, 0x3c, 0x00, (byte) 0xc0};
        // fc3: int8 [5] in groups of 2: scales 0.5, 0.25, 1
        byte[] i8 = {127, -127, 4, 0, -1};
        return List.of(new EncodedTensor("fc1", DType.FLOAT32, new int[]{2, 3}, f32, 0, null),
                new EncodedTensor("fc2", DType.FLOAT16, new int[]{2}, f16, 0, null),
                new EncodedTensor("fc3", DType.INT8, new int[]{5}, i8, 2, new float[]{0.5f, 0.25f, 1f}));
    }

    static LocalMetrics metrics() {
        return new LocalMetrics(0.71, 0.25, 0.80, 0.93, 1000);
    }

    /** One envelope per message type / job event kind, keyed by the golden file name. */
    static Map<String, Envelope> all() {
        Map<String, Envelope> m = new LinkedHashMap<>();
        m.put("device_hello", new Envelope("", 0, "msg-hello", "device-7", T0, new DeviceHello(profile())));
        m.put("heartbeat", new Envelope("", 0, "msg-heartbeat", "device-7", T0 + 1, new Heartbeat(profile(), DeviceState.TRAINING)));
        m.put("round_start", new Envelope("job-1", 3, "msg-round", "coordinator", T0 + 2, new RoundStart("lenet300",
                ref("model-1", SHA_A), ref("logits-r3", SHA_B),
                List.of(new DeviceAssignment("device-7", layers()), new DeviceAssignment("device-8", List.of(new LayerSpec("fc1", Granularity.WEIGHT, 784, 39)))),
                new TrainingConfig(2, 0.1, 128, 5, 0.5, 1e-3, 1.0, TensorEncoding.INT8, 64), 42L, T0 + 60_000, 10)));
        // an imported model travels as its ONNX file (content type application/onnx), named by the job's model name
        m.put("round_start_onnx", new Envelope("job-2", 1, "msg-round-onnx", "coordinator", T0 + 10, new RoundStart("mnist-cnn",
                new BlobRef("model-onnx", SHA_A, 463_940, 1, Blobs.ONNX), null,
                List.of(new DeviceAssignment("device-7", List.of(new LayerSpec("conv2", Granularity.KERNEL, 32, 8)))),
                new TrainingConfig(1, 0.2, 128, 5, 0.5, 1e-3, 1.0, TensorEncoding.FLOAT32, 0), 7L, T0 + 60_000, 20)));
        // nested training: device-7 at its own k also trains the job's smaller tier (fc1 39 of 784, fc3 10 of 100)
        m.put("round_start_nested", new Envelope("job-3", 2, "msg-round-nested", "coordinator", T0 + 12, new RoundStart("lenet300",
                ref("model-1", SHA_A), ref("logits-r2", SHA_B),
                List.of(new DeviceAssignment("device-7", List.of(new LayerSpec("fc1", Granularity.WEIGHT, 784, 78), new LayerSpec("fc3", Granularity.FILTER, 100, 25)),
                        List.of(List.of(new LayerSpec("fc1", Granularity.WEIGHT, 784, 39), new LayerSpec("fc3", Granularity.FILTER, 100, 10))))),
                new TrainingConfig(3, 0.1, 128, 5, 0.5, 1e-3, 1.0, TensorEncoding.FLOAT32, 0), 9L, T0 + 60_000, 10)));
        m.put("device_hello_onnx", new Envelope("", 0, "msg-hello-onnx", "device-8", T0 + 11, new DeviceHello(new DeviceProfile("device-8",
                new Budget(0.25, Map.of()), 3000, List.of("model:lenet300", "model:onnx", "onnx-ops:Conv,Gemm,Relu", "max-params:200000"), "0.1.0"))));
        m.put("update_ref", new Envelope("job-1", 3, "msg-update-ref", "device-7", T0 + 3, new Update("device-7", layers(),
                ref("upd-7-3", SHA_B), List.of(), TensorEncoding.FLOAT16, 6000, metrics(), new Timings(12, 3400, 5, 40), 2, 16.0,
                new byte[]{1, 2, 3})));
        m.put("update_inline", new Envelope("job-1", 3, "msg-update-inline", "device-8", T0 + 4, new Update("device-8", layers(),
                null, tensors(), TensorEncoding.INT8, 500, metrics(), new Timings(0, 100, 1, 2), 3, 9.6, null)));
        m.put("deployment", new Envelope("job-1", 10, "msg-deploy", "coordinator", T0 + 5, new Deployment("keep-0.10", 0.1, layers(),
                new BlobRef("masks-0.10", SHA_A, 800_000, 2, Blobs.SAFETENSORS), new BlobRef("compact-0.10", SHA_B, 90_000, 1, Blobs.SAFETENSORS),
                OptionalDouble.of(0.9712), Map.of("masks.safetensors", SHA_A, "compact.safetensors", SHA_B))));
        m.put("deployment_ack", new Envelope("job-1", 10, "msg-ack", "device-7", T0 + 6, DeploymentAck.applied("device-7", "keep-0.10", 0.955, 1000)));
        m.put("deployment_ack_measured", new Envelope("job-1", 10, "msg-ack-m", "device-8", T0 + 8,
                DeploymentAck.applied("device-8", "keep-0.10", 0.97, 500, 73_208, 41.5)));
        m.put("deployment_nack", new Envelope("job-1", 10, "msg-nack", "device-9", T0 + 7, DeploymentAck.failed("device-9", "keep-0.05", "layer fc1 shape differs")));
        m.put("job_submitted", new Envelope("job-1", 0, "msg-job", "coordinator", T0 + 8,
                new JobSubmitted("application/json", "{\"model\":\"lenet300\",\"rounds\":10}".getBytes(StandardCharsets.UTF_8))));
        m.put("round_result", new Envelope("job-1", 3, "msg-result", "coordinator", T0 + 9, new RoundResult(4, 3, 1, 2, 1, 5300, 3400,
                ref("fused-r3", SHA_A),
                List.of(new TierResult("keep-0.05", 0.05, layers(), OptionalDouble.of(0.953), Map.of("confidence/fc1", 0.61, "diversity/fc1", 0.42)),
                        new TierResult("keep-0.25", 0.25, List.of(), OptionalDouble.empty(), Map.of())),
                4_200_000, 16.0, Map.of("logits_change", 0.012, "mask_similarity", 0.87), List.of())));
        m.put("round_result_best_masks", new Envelope("job-1", 5, "msg-result-5", "coordinator", T0 + 15, new RoundResult(4, 4, 0, 0, 0, 5100, 3300,
                ref("fused-r5", SHA_B),
                List.of(new TierResult("keep-0.05", 0.05, layers(), OptionalDouble.of(0.951), Map.of("validation_accuracy", 0.9485),
                        ref("tier-masks-r5", SHA_A))),
                4_100_000, 16.0, Map.of(), List.of())));
        m.put("round_result_dropped", new Envelope("job-1", 4, "msg-result-4", "coordinator", T0 + 13, new RoundResult(4, 2, 0, 0, 1, 9000, 3100,
                null, List.of(), 2_100_000, 32.0, Map.of(), List.of("device-8", "device-9"))));
        m.put("job_cancel", new Envelope("job-1", 0, "msg-cancel", "coordinator", T0 + 14, new JobCancel("cancelled by the operator")));
        m.put("job_status", new Envelope("job-1", 0, "msg-status", "coordinator", T0 + 10, new JobStatus(JobState.FAILED, "no device replied")));
        m.put("dead_letter", new Envelope("", 0, "msg-dead", "coordinator", T0 + 11, new DeadLetter("fedprune.updates", 0, 17,
                "job-1".getBytes(StandardCharsets.UTF_8), new byte[]{(byte) 0xde, (byte) 0xad}, RejectReason.TRUNCATED, "input ended unexpectedly")));
        m.put("blob_chunk", new Envelope("", 0, "msg-chunk", "device-7", T0 + 12, new BlobChunk("upd-7-3", 1, 3, 10,
                SHA_B, Blobs.TENSORS, new byte[]{9, 8, 7, 6})));
        return m;
    }
}
