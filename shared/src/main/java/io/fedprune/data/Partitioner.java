package io.fedprune.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded partitioners that split a data set's indices over devices.
 *
 * <ul>
 *   <li>{@link #iid}: a seeded shuffle cut into equal shares (sizes differ by at most one).</li>
 *   <li>{@link #dirichlet}: label skew. For every class c, the indices of class c are shuffled and cut according to a
 *       draw {@code p_c ~ Dirichlet(alpha, ..., alpha)} over the devices: device d receives the share
 *       {@code p_c[d]} of class c. Small alpha (e.g. 0.1) gives devices few classes; large alpha approaches IID.</li>
 *   <li>{@link #dirichletLike}: a second data set (the test split) cut with the proportions drawn for the first (the
 *       training split), so that every device's test share has the label mix of its training share.</li>
 * </ul>
 * Every device's index list is sorted ascending. The same arguments always give the same partition.
 */
public final class Partitioner {

    private Partitioner() {
    }

    /** IID split of {@code labels.length} indices over {@code devices} devices. */
    public static int[][] iid(int[] labels, int devices, long seed) {
        check(labels, devices);
        int[] order = permutation(labels.length, new SplittableRandom(seed));
        int[][] out = new int[devices][];
        int n = labels.length;
        for (int d = 0; d < devices; d++) {
            int from = (int) ((long) n * d / devices), to = (int) ((long) n * (d + 1) / devices);
            out[d] = Arrays.copyOfRange(order, from, to);
            Arrays.sort(out[d]);
        }
        return out;
    }

    /** Dirichlet(alpha) label-skew split over {@code devices} devices. */
    public static int[][] dirichlet(int[] labels, int devices, double alpha, long seed) {
        return dirichlet(labels, devices, alpha, seed, new double[classes(labels)][]);
    }

    /**
     * The split of {@code labels} with, for every class, the device proportions that {@link #dirichlet} draws for
     * {@code reference} with the same arguments: device d gets the same share of class c in both.
     */
    public static int[][] dirichletLike(int[] reference, int[] labels, int devices, double alpha, long seed) {
        double[][] proportions = new double[Math.max(classes(reference), classes(labels))][];
        dirichlet(reference, devices, alpha, seed, proportions);
        return dirichlet(labels, devices, alpha, seed, proportions);
    }

    /**
     * The Dirichlet split; {@code proportions[c]}, when set, is used for class c instead of a draw, and when null is set
     * to the draw.
     */
    private static int[][] dirichlet(int[] labels, int devices, double alpha, long seed, double[][] proportions) {
        check(labels, devices);
        if (!(alpha > 0) || Double.isInfinite(alpha)) throw new IllegalArgumentException("alpha must be > 0 and finite, was " + alpha);
        SplittableRandom rnd = new SplittableRandom(seed);
        int classes = classes(labels);
        List<List<Integer>> shards = new ArrayList<>();
        for (int d = 0; d < devices; d++) shards.add(new ArrayList<>());
        for (int c = 0; c < classes; c++) {
            int[] idx = indicesOf(labels, c);
            shuffle(idx, rnd);
            if (proportions[c] == null) proportions[c] = dirichletDraw(devices, alpha, rnd);
            double[] p = proportions[c];
            double cum = 0;
            int from = 0;
            for (int d = 0; d < devices; d++) {
                cum += p[d];
                int to = d == devices - 1 ? idx.length : (int) Math.min(idx.length, Math.floor(cum * idx.length));
                for (int i = from; i < to; i++) shards.get(d).add(idx[i]);
                from = Math.max(from, to);
            }
        }
        int[][] out = new int[devices][];
        for (int d = 0; d < devices; d++) {
            out[d] = shards.get(d).stream().mapToInt(Integer::intValue).sorted().toArray();
        }
        return out;
    }

    /** A draw from the symmetric Dirichlet(alpha) distribution: normalised Gamma(alpha, 1) draws. */
    static double[] dirichletDraw(int k, double alpha, SplittableRandom rnd) {
        double[] g = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            g[i] = gamma(alpha, rnd);
            sum += g[i];
        }
        if (sum <= 0) { // all draws underflowed (tiny alpha): put everything on one device
            Arrays.fill(g, 0);
            g[rnd.nextInt(k)] = 1;
            return g;
        }
        for (int i = 0; i < k; i++) g[i] /= sum;
        return g;
    }

    /** Gamma(shape, 1) by Marsaglia and Tsang; shape < 1 via the boost Gamma(shape+1) * U^(1/shape). */
    static double gamma(double shape, SplittableRandom rnd) {
        if (shape < 1) {
            double u = rnd.nextDouble();
            return gamma(shape + 1, rnd) * Math.pow(u, 1.0 / shape);
        }
        double d = shape - 1.0 / 3, c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x, v;
            do {
                x = gaussian(rnd);
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = rnd.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x) return d * v;
            if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
        }
    }

    private static double gaussian(SplittableRandom rnd) {
        double u1 = rnd.nextDouble(), u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    private static int classes(int[] labels) {
        return Arrays.stream(labels).max().orElse(-1) + 1;
    }

    private static int[] indicesOf(int[] labels, int c) {
        return java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] == c).toArray();
    }

    static int[] permutation(int n, SplittableRandom rnd) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        shuffle(a, rnd);
        return a;
    }

    private static void shuffle(int[] a, SplittableRandom rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static void check(int[] labels, int devices) {
        if (labels == null) throw new IllegalArgumentException("labels must not be null");
        if (devices < 1) throw new IllegalArgumentException("devices must be >= 1, was " + devices);
        if (devices > labels.length) throw new IllegalArgumentException("cannot split " + labels.length + " samples over " + devices + " devices");
    }
}
