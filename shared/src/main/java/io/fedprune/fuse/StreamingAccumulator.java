package io.fedprune.fuse;

import java.util.List;

/** Validation, counting and total weight shared by every accumulator. */
abstract class StreamingAccumulator implements Accumulator {
    final List<LayerShape> layers;
    private int count;
    private double total, totalError;

    StreamingAccumulator(List<LayerShape> layers) {
        if (layers.isEmpty()) throw new IllegalArgumentException("no layers to fuse");
        this.layers = layers;
    }

    @Override
    public final void add(Contribution c) {
        c.validate(layers);
        accumulate(c);
        count++;
        // two-sum: the weights need not be integers (square roots), and the total must not depend on arrival order
        double w = c.weight(), s = total + w, bb = s - total;
        totalError += (total - (s - bb)) + (w - bb);
        total = s;
    }

    @Override
    public final int count() {
        return count;
    }

    @Override
    public final FusionResult finish() {
        if (count == 0) throw new IllegalStateException("nothing to fuse: no contribution was added");
        return result(total + totalError);
    }

    abstract void accumulate(Contribution c);

    abstract FusionResult result(double total);
}
