package io.fedprune.fuse;

import java.util.List;

/** Validation, counting and total weight shared by every accumulator. */
abstract class StreamingAccumulator implements Accumulator {
    final List<LayerShape> layers;
    private int count;
    private double total;

    StreamingAccumulator(List<LayerShape> layers) {
        if (layers.isEmpty()) throw new IllegalArgumentException("no layers to fuse");
        this.layers = layers;
    }

    @Override
    public final void add(Contribution c) {
        c.validate(layers);
        accumulate(c);
        count++;
        total += c.weight();        // exact for integer weights (sample counts)
    }

    @Override
    public final int count() {
        return count;
    }

    @Override
    public final FusionResult finish() {
        if (count == 0) throw new IllegalStateException("nothing to fuse: no contribution was added");
        return result(total);
    }

    abstract void accumulate(Contribution c);

    abstract FusionResult result(double total);
}
