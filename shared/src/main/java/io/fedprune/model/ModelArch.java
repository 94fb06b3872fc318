package io.fedprune.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The built-in architectures. Both take a 28x28 single-channel image and give 10 class scores.
 * <ul>
 *   <li>{@link #LENET300}: LeNet-300-100, dense 784-300-100-10 with ReLU after the hidden layers
 *       (layers {@code fc1, fc2, fc3}; 266,610 parameters).</li>
 *   <li>{@link #LENET5}: LeNet-5, Caffe variant: conv 20 5x5, max-pool 2, conv 50 5x5, max-pool 2, fc 500, ReLU,
 *       fc 10 (layers {@code conv1, conv2, fc1, fc2}; 431,080 parameters). As in Caffe, there is no non-linearity
 *       after the convolutions. The input of {@code fc1} is the pooled {@code [50, 4, 4]} map flattened in
 *       channel-major (NCHW) order, as PyTorch's {@code flatten} does.</li>
 * </ul>
 */
public enum ModelArch {
    LENET300("lenet300", List.of(
            new Layer("fc1", new int[]{300, 784}, false),
            new Layer("fc2", new int[]{100, 300}, false),
            new Layer("fc3", new int[]{10, 100}, true))),
    LENET5("lenet5", List.of(
            new Layer("conv1", new int[]{20, 1, 5, 5}, false),
            new Layer("conv2", new int[]{50, 20, 5, 5}, false),
            new Layer("fc1", new int[]{500, 800}, false),
            new Layer("fc2", new int[]{10, 500}, true)));

    /** Image side and number of classes every architecture expects. */
    public static final int IMAGE_SIDE = 28, CLASSES = 10;

    private final String id;
    private final List<Layer> layers;

    ModelArch(String id, List<Layer> layers) {
        this.id = id;
        this.layers = layers;
    }

    /** Short lower-case id used in file names, CLI options and reports ({@code lenet300}, {@code lenet5}). */
    public String id() {
        return id;
    }

    /** The weight layers in forward order; every one of them is prunable. The last is the output layer. */
    public List<Layer> layers() {
        return layers;
    }

    /** The layer with this name. */
    public Layer layer(String name) {
        for (Layer l : layers) if (l.name().equals(name)) return l;
        throw new IllegalArgumentException("layer '" + name + "' not in " + id + "; layers: " + layerNames());
    }

    /** Layer names in forward order. */
    public List<String> layerNames() {
        return layers.stream().map(Layer::name).toList();
    }

    /** Names of all parameters in canonical order: for each layer its weight then its bias. */
    public List<String> parameterNames() {
        List<String> out = new ArrayList<>();
        for (Layer l : layers) {
            out.add(l.weightName());
            out.add(l.biasName());
        }
        return out;
    }

    /** Total number of parameters (weights and biases). */
    public int parameterCount() {
        return layers.stream().mapToInt(l -> l.weightCount() + l.outputs()).sum();
    }

    /** Parses an id ({@code lenet300}, {@code lenet-300-100}, {@code lenet5}, case-insensitive). */
    public static ModelArch parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        return switch (t) {
            case "lenet300", "lenet300100" -> LENET300;
            case "lenet5" -> LENET5;
            default -> throw new IllegalArgumentException("unknown model '" + s + "'; expected lenet300 or lenet5");
        };
    }
}
