package io.fedprune.model;

import java.util.List;
import java.util.Locale;

/**
 * The built-in models, each an ordinary {@link Graph} built here in code. Both take a 28x28 single-channel image
 * normalised as MNIST ({@link Preprocessing#MNIST}) and give 10 class scores.
 * <ul>
 *   <li>{@link #LENET300}: LeNet-300-100, flatten then dense 784-300-100-10 with ReLU after the hidden layers
 *       (layers {@code fc1, fc2, fc3}; 266,610 parameters).</li>
 *   <li>{@link #LENET5}: LeNet-5, Caffe variant: conv 20 5x5, max-pool 2, conv 50 5x5, max-pool 2, fc 500, ReLU,
 *       fc 10 (layers {@code conv1, conv2, fc1, fc2}; 431,080 parameters). As in Caffe, there is no non-linearity
 *       after the convolutions. The input of {@code fc1} is the pooled {@code [50, 4, 4]} map flattened in
 *       channel-major (NCHW) order, as PyTorch's {@code flatten} does.</li>
 * </ul>
 */
public enum ModelArch {
    LENET300("lenet300", lenet300()),
    LENET5("lenet5", lenet5());

    /** Image side and number of classes of the built-ins. */
    public static final int IMAGE_SIDE = 28, CLASSES = 10;

    private final String id;
    private final Graph graph;

    ModelArch(String id, Graph graph) {
        this.id = id;
        this.graph = graph;
    }

    private static Graph lenet300() {
        return new Graph("lenet300", new int[]{1, 28, 28}, 10, Preprocessing.MNIST, List.of(
                new Op.Flatten("image", "flat"),
                new Op.Dense("fc1", "flat", "fc1", 784, 300),
                Op.Activation.of(Op.Fn.RELU, "fc1", "relu1"),
                new Op.Dense("fc2", "relu1", "fc2", 300, 100),
                Op.Activation.of(Op.Fn.RELU, "fc2", "relu2"),
                new Op.Dense("fc3", "relu2", "logits", 100, 10)), "image", "logits", Graph.Head.LOGITS);
    }

    private static Graph lenet5() {
        int[] none = new int[4];
        return new Graph("lenet5", new int[]{1, 28, 28}, 10, Preprocessing.MNIST, List.of(
                new Op.Conv("conv1", "image", "conv1", 1, 20, 5, 5, 1, 1, none, 1),
                new Op.Pool(true, 2, 2, 2, 2, none, false, "conv1", "pool1"),
                new Op.Conv("conv2", "pool1", "conv2", 20, 50, 5, 5, 1, 1, none, 1),
                new Op.Pool(true, 2, 2, 2, 2, none, false, "conv2", "pool2"),
                new Op.Flatten("pool2", "flat"),
                new Op.Dense("fc1", "flat", "fc1", 800, 500),
                Op.Activation.of(Op.Fn.RELU, "fc1", "relu3"),
                new Op.Dense("fc2", "relu3", "logits", 500, 10)), "image", "logits", Graph.Head.LOGITS);
    }

    /** Short lower-case id used in file names, CLI options and reports ({@code lenet300}, {@code lenet5}). */
    public String id() {
        return id;
    }

    /** The model's graph. */
    public Graph graph() {
        return graph;
    }

    /** The weight layers in forward order; every one of them is prunable. The last is the output layer. */
    public List<Layer> layers() {
        return graph.layers();
    }

    /** The layer with this name. */
    public Layer layer(String name) {
        return graph.layer(name);
    }

    /** Layer names in forward order. */
    public List<String> layerNames() {
        return graph.layerNames();
    }

    /** Names of all parameters in canonical order: for each layer its weight then its bias. */
    public List<String> parameterNames() {
        return graph.parameterNames();
    }

    /** Total number of parameters (weights and biases). */
    public int parameterCount() {
        return graph.parameterCount();
    }

    /** The built-in whose graph this is (same id), or null for any other graph. */
    public static ModelArch of(Graph g) {
        for (ModelArch a : values()) if (a.graph.equals(g)) return a;
        return null;
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
