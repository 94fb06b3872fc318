package io.fedprune.fuse;

import java.util.List;

/** Validation, counting and total weight shared by every accumulator. */
abstract class StreamingAccumulator implements Accumulator {
    private static final double[] ONE = {1.0};
    final List<LayerShape> layers;
    private int count;
    /** The total weight, compensated like the layer sums: weights need not be integers (square roots). */
    private final WeightedSum total = new WeightedSum(1);

    StreamingAccumulator(List<LayerShape> layers) {
        if (layers.isEmpty()) throw new IllegalArgumentException("no layers to fuse");
        this.layers = layers;
    }

    @Override
    public final void add(Contribution c) {
        c.validate(layers);
        accumulate(c);
        count++;
        total.add(ONE, c.weight());
    }

    @Override
    public final int count() {
        return count;
    }

    @Override
    public final FusionResult finish() {
        if (count == 0) throw new IllegalStateException("nothing to fuse: no contribution was added");
        return result(total.divided(1.0)[0]);
    }

    abstract void accumulate(Contribution c);

    abstract FusionResult result(double total);
}
