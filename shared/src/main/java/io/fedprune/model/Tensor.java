package io.fedprune.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named float32 tensor in row-major order: the in-memory form of model weights, logits and masks.
 *
 * <p>Immutable in intent: the constructor copies {@code shape} and {@code data}, and {@link #shape()} and
 * {@link #data()} return copies. Hot paths that must avoid the copy read through {@link #get(int)} or copy once.
 *
 * @param name  tensor name, e.g. {@code fc1.weight}; non-blank
 * @param shape dimensions, each {@code >= 0}; a scalar has shape {@code []}
 * @param data  values, {@code data.length == product(shape)}
 */
public record Tensor(String name, int[] shape, float[] data) {

    public Tensor {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) throw new IllegalArgumentException("tensor name must not be blank");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        long size = size(shape);
        if (size != data.length) {
            throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape) + " holds " + size
                    + " values but data has " + data.length);
        }
        shape = shape.clone();
        data = data.clone();
    }

    /** Number of elements of a shape; rejects negative dimensions. */
    public static long size(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n *= d;
        }
        return n;
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public float[] data() {
        return data.clone();
    }

    /** Element {@code i} in row-major order, without copying. */
    public float get(int i) {
        return data[i];
    }

    /** Number of elements. */
    public int size() {
        return data.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && name.equals(t.name) && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Tensor[" + name + " " + Arrays.toString(shape) + "]";
    }
}
