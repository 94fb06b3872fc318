package io.fedprune.runtime;

import java.util.Locale;

/**
 * The names inside a tier's deployment artifacts, defined once for the writers ({@link TierFile#write},
 * {@link io.fedprune.onnx.OnnxExport}), the readers ({@link TierFile#read}, the agent) and the checkers (the report's
 * artifact check, the tests): the {@code __metadata__} keys and tensor names of the safetensors file (format
 * {@code fedprune-tier/3}, docs/ARTIFACTS.md) and the {@code metadata_props} keys of the ONNX export.
 */
public final class TierKeys {
    /** Safetensors metadata: {@code <format>/<version>}, e.g. {@code fedprune-tier/3}. */
    public static final String FORMAT = "format";
    /** Safetensors metadata: the format version alone. */
    public static final String VERSION = "version";
    /** Safetensors metadata: the model's id (a built-in architecture, or an imported graph's id). */
    public static final String ARCH = "arch";
    /** Safetensors metadata: the graph in ONNX operator terms ({@link TierFile#describe}). */
    public static final String NETWORK = "network";
    /** Safetensors metadata: the input shape. */
    public static final String INPUT = "input";
    /** Safetensors metadata: the preprocessing formula, and its scale, per-channel mean and standard deviation. */
    public static final String PREPROCESSING = "preprocessing";
    public static final String PREPROCESSING_SCALE = "preprocessing.scale";
    public static final String PREPROCESSING_MEAN = "preprocessing.mean";
    public static final String PREPROCESSING_STD = "preprocessing.std";
    /** Safetensors metadata: the job id, the tier name and its keep ratio. */
    public static final String JOB = "job";
    public static final String TIER = "tier";
    public static final String KEEP = "keep";
    /** Safetensors metadata: the pruned layers, comma-separated, in layer order. */
    public static final String LAYERS = "layers";

    /** A deployment's checksums: the key of the whole file's SHA-256 (the other keys are tensor names). */
    public static final String ARTIFACT_CHECKSUM = "artifact";

    /** ONNX {@code metadata_props}: the job id, the tier name, its keep ratio. */
    public static final String ONNX_JOB = "fedprune.job";
    public static final String ONNX_TIER = "fedprune.tier";
    public static final String ONNX_KEEP = "fedprune.keep";
    /** ONNX {@code metadata_props}: what the input is, and the preprocessing's scale, mean and standard deviation. */
    public static final String ONNX_INPUT = "fedprune.input";
    public static final String ONNX_PREPROCESSING_SCALE = "fedprune." + PREPROCESSING_SCALE;
    public static final String ONNX_PREPROCESSING_MEAN = "fedprune." + PREPROCESSING_MEAN;
    public static final String ONNX_PREPROCESSING_STD = "fedprune." + PREPROCESSING_STD;

    /** A pruned layer's safetensors metadata: key {@code <layer>.<field>}, the field in lower case. */
    public enum LayerKey {
        GRANULARITY, GROUPS, N, K, TILE_M, SHAPE;

        /** The key of this field of {@code layer}. */
        public String of(String layer) {
            return layer + "." + name().toLowerCase(Locale.ROOT);
        }

        /** The ONNX {@code metadata_props} key of this field of {@code layer}: {@code fedprune.layer.<layer>.<field>}. */
        public String onnx(String layer) {
            return "fedprune.layer." + of(layer);
        }
    }

    /** A pruned layer's tensors in the safetensors file: name {@code <layer>.<tensor>}, the tensor in lower case. */
    public enum LayerTensor {
        /** The kept values, F32 {@code [G, k]} or {@code [G, k, e]}. */
        VALUES,
        /** The kept candidates' indices, I16 or I32 {@code [G, k]}, ascending per group. */
        INDICES,
        /** The group mask bit-packed, U8, least significant bit first. */
        MASK_BITS;

        /** The tensor name of {@code layer}. */
        public String of(String layer) {
            return layer + "." + name().toLowerCase(Locale.ROOT);
        }
    }

    /** ONNX {@code metadata_props}: whether a FILTER layer's channels were removed, or why not. */
    public static String onnxFilter(String layer) {
        return "fedprune.layer." + layer + ".filter";
    }

    private TierKeys() {
    }
}
