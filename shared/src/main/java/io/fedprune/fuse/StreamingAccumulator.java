package io.fedprune.fuse;

import java.util.List;

import static io.fedprune.fuse.InvalidContributionException.Problem;

/**
 * Validation, counting and total weight shared by every accumulator. A subclass folds a contribution in
 * {@link #accumulate} and, if it finds a bad value on the way, undoes what it added before it throws (its sums are
 * {@link FixedSum}s, so subtracting the same terms restores them exactly).
 */
abstract class StreamingAccumulator implements Accumulator {
    private static final float[] ONE = {1f};
    final List<LayerShape> layers;
    final FoldBounds bounds;
    private int count;
    /** The total weight, in fixed point like the layer sums: weights need not be integers (square roots). */
    private final FixedSum total;

    StreamingAccumulator(List<LayerShape> layers, FoldBounds bounds) {
        if (layers.isEmpty()) throw new IllegalArgumentException("no layers to fuse");
        this.layers = layers;
        this.bounds = bounds;
        this.total = new FixedSum(1, 1, bounds);
    }

    @Override
    public final void add(Contribution c) {
        c.validate(layers);
        if (c.weight() > bounds.maxWeight())
            throw new InvalidContributionException(Problem.OUT_OF_BOUNDS, "weight " + c.weight() + " above the fold's bound " + bounds.maxWeight());
        if (count >= bounds.maxContributions())
            throw new InvalidContributionException(Problem.OUT_OF_BOUNDS, "more than " + bounds.maxContributions() + " contributions");
        accumulate(c);
        count++;
        total.add(ONE, 0, 1, c.weight());
    }

    @Override
    public final void merge(Accumulator other) {
        if (!(other instanceof StreamingAccumulator o) || o == this || o.getClass() != getClass() || !o.layers.equals(layers) || !o.bounds.equals(bounds))
            throw new IllegalArgumentException("only an accumulator of the same rule, layers and bounds merges");
        if (count + o.count > bounds.maxContributions())
            throw new IllegalArgumentException("more than " + bounds.maxContributions() + " contributions together");
        List<FixedSum> mine = sums(), theirs = o.sums();
        for (int i = 0; i < mine.size(); i++) mine.get(i).check(theirs.get(i));
        for (int i = 0; i < mine.size(); i++) mine.get(i).add(theirs.get(i));
        mergeKept(o);
        count += o.count;
        total.add(o.total);
    }

    /** The fixed-point sums the contributions are folded into, in a fixed order: what {@link #merge} adds up. */
    abstract List<FixedSum> sums();

    /** Takes over what {@code other} (of the same class) keeps beside its sums; nothing for the streaming rules. */
    void mergeKept(StreamingAccumulator other) {
    }

    @Override
    public final int count() {
        return count;
    }

    @Override
    public final FusionResult finish() {
        if (count == 0) throw new IllegalStateException("nothing to fuse: no contribution was added");
        return result(total.divided(0, 1.0));
    }

    /**
     * Folds a contribution whose structure is valid.
     *
     * @throws InvalidContributionException if a value is bad (after undoing what was added)
     */
    abstract void accumulate(Contribution c);

    abstract FusionResult result(double total);

    /** The exception for a layer whose logits are not all within the bound: NaN or infinite, or too large. */
    InvalidContributionException outOfRange(LayerShape s, float[] x) {
        for (float v : x)
            if (!Float.isFinite(v)) return new InvalidContributionException(Problem.NON_FINITE, "layer " + s.name() + ": non-finite logit");
        return new InvalidContributionException(Problem.OUT_OF_BOUNDS, "layer " + s.name() + ": a logit beyond +-" + bounds.maxAbsLogit());
    }
}
