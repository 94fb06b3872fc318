package io.fedprune.model;

import java.util.Arrays;

/**
 * A weight layer of a model: its name (e.g. {@code fc1}, {@code conv2}) and the shape of its weight tensor,
 * {@code [out, in]} for a dense layer and {@code [cout, cin, kh, kw]} for a convolution (row-major).
 * Every weight layer has a bias of length {@code weightShape[0]}. Layers are the unit of pruning: each one can get
 * its own mask spec (granularity and k).
 *
 * @param name        layer name; its parameters are {@code name + ".weight"} and {@code name + ".bias"}
 * @param weightShape shape of the weight tensor (2 or 4 dimensions, all positive)
 * @param output      true for the model's output layer (pruned gently by default)
 */
public record Layer(String name, int[] weightShape, boolean output) {

    public Layer {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("name must not be blank");
        if (weightShape == null || (weightShape.length != 2 && weightShape.length != 4))
            throw new IllegalArgumentException("weightShape must have 2 or 4 dimensions: " + Arrays.toString(weightShape));
        for (int d : weightShape) if (d <= 0) throw new IllegalArgumentException("weightShape must be positive: " + Arrays.toString(weightShape));
        weightShape = weightShape.clone();
    }

    /** Name of the weight parameter, {@code <name>.weight}. */
    public String weightName() {
        return name + ".weight";
    }

    /** Name of the bias parameter, {@code <name>.bias}. */
    public String biasName() {
        return name + ".bias";
    }

    /** Returns a copy of the weight shape. */
    @Override
    public int[] weightShape() {
        return weightShape.clone();
    }

    /** Number of weights. */
    public int weightCount() {
        int s = 1;
        for (int d : weightShape) s *= d;
        return s;
    }

    /** Number of outputs (rows of a dense weight, output channels of a convolution). */
    public int outputs() {
        return weightShape[0];
    }

    /** Fan-in of one output: {@code in} for dense, {@code cin*kh*kw} for convolution. */
    public int fanIn() {
        return weightCount() / weightShape[0];
    }

    /** True for a convolution layer (4-dimensional weight). */
    public boolean isConv() {
        return weightShape.length == 4;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Layer l && l.name.equals(name) && l.output == output && Arrays.equals(l.weightShape, weightShape);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(weightShape);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(weightShape) + (output ? " (output)" : "");
    }
}
