package io.fedprune.wire;

import java.util.List;
import java.util.OptionalLong;

/**
 * The capability tags a device declares in its {@link DeviceProfile} that limit which jobs it is selected for: the
 * one place of their format. {@code max-params:N}: the device runs models of at most N parameters.
 * {@code model:ID}: the device runs the built-in model ID; {@code model:onnx}: it imports ONNX models (a job's model
 * travelling as a blob of content type {@link Blobs#ONNX}); {@code onnx-ops:A,B,...}: the ONNX operator types it
 * runs (a device declaring no model tags is taken to run every model, one without {@code onnx-ops} every operator).
 * (Other tags, such as {@code encoding:int8}, are free-form.)
 */
public final class Capabilities {
    /** Prefix of the largest model a device runs, in parameters. */
    public static final String MAX_PARAMS = "max-params:";

    /** Prefix of a model the device runs: a built-in id, or {@link #ONNX_MODELS}. */
    public static final String MODEL = "model:";
    /** The tag of a device that imports ONNX models. */
    public static final String ONNX_MODELS = MODEL + "onnx";
    /** Prefix of the comma-separated ONNX operator types a device runs. */
    public static final String ONNX_OPS = "onnx-ops:";

    private Capabilities() {
    }

    /** The tag of the ONNX operator types a device runs, e.g. {@code onnx-ops:Conv,Gemm,Relu}. */
    public static String onnxOperators(java.util.Collection<String> ops) {
        return ONNX_OPS + String.join(",", new java.util.TreeSet<>(ops));
    }

    /**
     * Whether a device with these tags runs a job's model: a built-in {@code modelId} (null for an imported model),
     * or an imported model using the ONNX {@code operators}.
     */
    public static boolean runs(List<String> tags, String modelId, java.util.Collection<String> operators) {
        boolean declaresModels = tags.stream().anyMatch(t -> t.startsWith(MODEL));
        if (modelId != null) return !declaresModels || tags.contains(MODEL + modelId);
        if (declaresModels && !tags.contains(ONNX_MODELS)) return false;
        for (String t : tags)
            if (t.startsWith(ONNX_OPS) && !java.util.Set.of(t.substring(ONNX_OPS.length()).split(",")).containsAll(operators)) return false;
        return true;
    }

    /** The tag of a parameter limit, e.g. {@code max-params:100000}. */
    public static String maxParams(long n) {
        if (n < 1) throw new IllegalArgumentException("max-params must be >= 1, was " + n);
        return MAX_PARAMS + n;
    }

    /** The smallest parameter limit among the tags; empty when there is none (or it does not parse). */
    public static OptionalLong maxParams(List<String> tags) {
        OptionalLong out = OptionalLong.empty();
        for (String t : tags) {
            if (!t.startsWith(MAX_PARAMS)) continue;
            try {
                long n = Long.parseLong(t.substring(MAX_PARAMS.length()));
                if (out.isEmpty() || n < out.getAsLong()) out = OptionalLong.of(n);
            } catch (NumberFormatException e) {
                // a malformed limit declares nothing
            }
        }
        return out;
    }

    /** Whether a device with these tags runs a model of {@code params} parameters. */
    public static boolean fits(List<String> tags, long params) {
        OptionalLong max = maxParams(tags);
        return max.isEmpty() || params <= max.getAsLong();
    }
}
