package io.fedprune.fuse;

/**
 * The row orders a device sends with its logits for {@link Fusion#RANK}: per row, the positions of the row's values
 * from the smallest to the largest. Sorting is the costly part of ranking (about 30 ns per logit on the coordinator,
 * for every update of every round); a device sorts its own logits once per round, and the coordinator checks the order
 * and ranks from it in O(n) ({@link Contribution#orders}). The order must be taken of the logits exactly as the
 * coordinator decodes them (after the uplink encoding's rounding), or the check refuses it.
 */
public final class RowOrders {
    private RowOrders() {
    }

    /**
     * Per row of {@code n}, the ascending order of {@code x}'s values ({@code out[g * n + t]} = the position in row g of
     * its t-th smallest value; equal values in position order, -0 equal to +0).
     *
     * @throws IllegalArgumentException if {@code x.length} is not a multiple of {@code n}
     */
    public static int[] ascending(float[] x, int n) {
        if (n < 1 || x.length % n != 0) throw new IllegalArgumentException(x.length + " values are not rows of " + n);
        int[] out = new int[x.length];
        RadixOrder order = new RadixOrder(n);
        for (int off = 0; off < x.length; off += n) {
            long[] key = order.key();
            for (int j = 0; j < n; j++) key[j] = RadixOrder.key(x[off + j]);
            order.sort(4);
            for (int t = 0; t < n; t++) out[off + t] = order.index(t);
        }
        return out;
    }
}
