package io.fedprune.runtime;

import io.fedprune.dpp.Granularity;
import io.fedprune.model.Layer;
import io.fedprune.model.Model;
import io.fedprune.model.ModelArch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds the {@link CompactNetwork} a device runs from a model and a tier's masks.
 *
 * <p>{@link Form#COMPACT}: a FILTER-pruned layer keeps only its kept rows (output neurons or feature maps) as a smaller
 * dense layer, and the next weight layer drops the matching input columns (through ReLU, pooling and flatten, which
 * act per channel); WEIGHT, KERNEL and N:M layers become {@link KeptRuns}. The output layer stays masked dense if it is
 * FILTER-pruned (removing a class score would change the output). {@link Form#COMPACT_INT8} is the same with int8
 * values and per-row scales in the k-of-n layers. {@link Form#MASKED_DENSE} multiplies every weight by its mask and
 * stores the full matrices (the computation a tier stands for, and the baseline); {@link Form#DENSE} ignores the masks.
 */
public final class TierCompiler {

    /** How pruned layers are stored. */
    public enum Form { DENSE, MASKED_DENSE, COMPACT, COMPACT_INT8 }

    /** A step of a built-in architecture: a weight layer (by name), a ReLU, or a 2x2 max pool. */
    private record Step(String layer, boolean relu, boolean pool) {
        static Step layer(String name) {
            return new Step(name, false, false);
        }

        static final Step RELU = new Step(null, true, false), POOL = new Step(null, false, true);
    }

    private TierCompiler() {
    }

    /** The input shape every built-in architecture takes. */
    public static Shape inputShape(ModelArch arch) {
        return new Shape(1, ModelArch.IMAGE_SIDE, ModelArch.IMAGE_SIDE);
    }

    /**
     * The network in PyTorch terms, e.g. {@code conv1=Conv2d(1,20,5) > MaxPool2d(2) > ... > flatten > fc1=Linear(800,500)
     * > ReLU > fc2=Linear(500,10)} (no padding, stride 1, bias everywhere; flatten is channel-major as in PyTorch).
     */
    public static String describe(ModelArch arch) {
        List<String> out = new ArrayList<>();
        boolean flat = false;
        for (Step s : steps(arch)) {
            if (s.relu()) out.add("ReLU");
            else if (s.pool()) out.add("MaxPool2d(2)");
            else {
                Layer l = arch.layer(s.layer());
                int[] w = l.weightShape();
                if (!l.isConv() && !flat) out.add("flatten");
                flat |= !l.isConv();
                out.add(l.name() + "=" + (l.isConv() ? "Conv2d(" + w[1] + "," + w[0] + "," + w[2] + ")" : "Linear(" + w[1] + "," + w[0] + ")"));
            }
        }
        return String.join(" > ", out);
    }

    private static List<Step> steps(ModelArch arch) {
        return switch (arch) {
            case LENET300 -> List.of(Step.layer("fc1"), Step.RELU, Step.layer("fc2"), Step.RELU, Step.layer("fc3"));
            case LENET5 -> List.of(Step.layer("conv1"), Step.POOL, Step.layer("conv2"), Step.POOL, Step.layer("fc1"), Step.RELU,
                    Step.layer("fc2"));
        };
    }

    /**
     * The network of {@code model} with {@code masks} (pruned layers by name; layers without a mask stay dense).
     */
    public static CompactNetwork compile(Model model, Map<String, LayerMask> masks, Form form) {
        ModelArch arch = ModelArch.of(model.graph());
        if (arch == null) throw new IllegalArgumentException("the compact runtime compiles the built-in models only, not " + model.graph().id());
        for (String l : masks.keySet()) arch.layer(l);   // names a layer of the model
        List<Op> ops = new ArrayList<>();
        Shape shape = inputShape(arch);
        int[] keptChannels = null;     // channels of the current activation that survive a FILTER layer, or null = all
        int channels = shape.c();      // channels of the current activation before any removal
        Layer last = arch.layers().get(arch.layers().size() - 1);
        for (Step step : steps(arch)) {
            Op op;
            if (step.relu()) op = new Op.Relu();
            else if (step.pool()) op = new Op.MaxPool2d(2, 2);
            else {
                Layer layer = arch.layer(step.layer());
                LayerMask mask = form == Form.DENSE ? null : masks.get(layer.name());
                int rows = layer.outputs(), cols = layer.fanIn();
                float[] w = model.weight(layer.name()).clone(), b = model.bias(layer.name()).clone();
                float[] m = mask == null ? null : mask.weightMask();
                if (m != null && form == Form.MASKED_DENSE) {
                    for (int i = 0; i < w.length; i++) w[i] *= m[i];
                    m = null;
                }
                // drop the input columns of channels a FILTER-pruned previous layer removed
                int perChannel = cols / channels;
                int[] keepCols = columns(keptChannels, perChannel, cols);
                int outCols = keepCols.length;
                w = selectColumns(w, rows, cols, keepCols);
                if (m != null) m = selectColumns(m, rows, cols, keepCols);
                Weights weights;
                int[] keptRows = null;
                if (m == null) weights = DenseWeights.of(rows, outCols, w);
                else if (mask.spec().granularity() == Granularity.FILTER && layer != last) {
                    keptRows = keptRows(mask);
                    weights = DenseWeights.of(keptRows.length, outCols, selectRows(w, outCols, keptRows));
                    b = selectRows(b, 1, keptRows);
                } else if (mask.spec().granularity() == Granularity.FILTER) {
                    for (int i = 0; i < w.length; i++) w[i] *= m[i];
                    weights = DenseWeights.of(rows, outCols, w);
                } else {
                    int run = mask.spec().granularity() == Granularity.KERNEL ? mask.spec().candidateSize() : 1;
                    weights = KeptRuns.fromMasked(rows, outCols, run, w, m, form == Form.COMPACT_INT8);
                }
                keptChannels = keptRows;
                op = layer.isConv()
                        ? new Op.Conv2d(layer.name(), weights, b, layer.weightShape()[2], layer.weightShape()[3], 1, 0)
                        : new Op.Linear(layer.name(), weights, b);
                channels = rows;
            }
            ops.add(op);
            shape = op.output(shape);
        }
        return new CompactNetwork(inputShape(arch), ops);
    }

    private static int[] columns(int[] keptChannels, int perChannel, int cols) {
        if (keptChannels == null) {
            int[] all = new int[cols];
            for (int i = 0; i < cols; i++) all[i] = i;
            return all;
        }
        int[] out = new int[keptChannels.length * perChannel];
        for (int j = 0; j < keptChannels.length; j++)
            for (int t = 0; t < perChannel; t++) out[j * perChannel + t] = keptChannels[j] * perChannel + t;
        return out;
    }

    private static int[] keptRows(LayerMask mask) {
        int[] out = new int[mask.spec().k()];
        for (int c = 0, j = 0; c < mask.spec().n(); c++) if (mask.kept(0, c)) out[j++] = c;
        return out;
    }

    private static float[] selectColumns(float[] a, int rows, int cols, int[] keep) {
        if (keep.length == cols) return a;
        float[] out = new float[rows * keep.length];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < keep.length; j++) out[r * keep.length + j] = a[r * cols + keep[j]];
        return out;
    }

    private static float[] selectRows(float[] a, int cols, int[] keep) {
        float[] out = new float[keep.length * cols];
        for (int j = 0; j < keep.length; j++) System.arraycopy(a, keep[j] * cols, out, j * cols, cols);
        return out;
    }
}
