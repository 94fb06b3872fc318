package io.fedprune.fuse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link Fusion#TRIMMED_MEAN} and {@link Fusion#MEDIAN}: coordinate-wise robust statistics. They need every device's
 * value of a coordinate at once, so the accumulator keeps a copy of each contribution: memory O(devices x model).
 */
record CoordinateFusion(Fusion kind, double trim) implements FusionStrategy {

    @Override
    public Accumulator begin(List<LayerShape> layers, FoldBounds bounds) {
        return new Kept(List.copyOf(layers), bounds);
    }

    /** An accumulator that keeps a copy of every contribution, with its weight. */
    private final class Kept extends StreamingAccumulator {
        private final List<float[][]> kept = new ArrayList<>();     // per contribution, per layer (copies)
        private final List<Double> weights = new ArrayList<>();

        Kept(List<LayerShape> layers, FoldBounds bounds) {
            super(layers, bounds);
        }

        @Override
        void accumulate(Contribution c) {
            float[][] copy = new float[layers.size()][];
            for (int l = 0; l < layers.size(); l++) {
                float[] x = c.logits().get(l);
                for (float v : x) if (!(Math.abs(v) <= bounds.maxAbsLogit())) throw outOfRange(layers.get(l), x);
                copy[l] = x.clone();
            }
            kept.add(copy);
            weights.add(c.weight());
        }

        @Override
        List<FixedSum> sums() {
            return List.of();
        }

        @Override
        void mergeKept(StreamingAccumulator other) {
            Kept o = (Kept) other;
            if (!o.rule().equals(rule())) throw new IllegalArgumentException("only an accumulator of the same rule merges");
            kept.addAll(o.kept);
            weights.addAll(o.weights);
        }

        private CoordinateFusion rule() {
            return CoordinateFusion.this;
        }

        @Override
        FusionResult result(double total) {
            int m = kept.size();
            // a canonical order of the contributions makes the result independent of the arrival order
            Integer[] byContent = new Integer[m];
            for (int i = 0; i < m; i++) byContent[i] = i;
            Arrays.sort(byContent, (a, b) -> compare(kept.get(a), weights.get(a), kept.get(b), weights.get(b)));
            List<float[]> out = new ArrayList<>();
            float[] v = new float[m];
            double[] w = new double[m];
            Integer[] order = new Integer[m];
            for (int l = 0; l < layers.size(); l++) {
                float[] fused = new float[layers.get(l).size()];
                for (int i = 0; i < fused.length; i++) {
                    for (int d = 0; d < m; d++) {
                        v[d] = kept.get(byContent[d])[l][i];
                        w[d] = weights.get(byContent[d]);
                        order[d] = d;
                    }
                    Arrays.sort(order, (a, b) -> Float.compare(v[a], v[b]));
                    fused[i] = (float) (kind == Fusion.MEDIAN ? median(v, w, order) : trimmedMean(v, w, order));
                }
                out.add(fused);
            }
            return new FusionResult(out, out, m, total);
        }
    }

    private double trimmedMean(float[] v, double[] w, Integer[] order) {
        int m = order.length;
        int cut = (int) Math.floor(trim * m);
        double sum = 0, wsum = 0;
        for (int t = cut; t < m - cut; t++) {
            sum += w[order[t]] * v[order[t]];
            wsum += w[order[t]];
        }
        return sum / wsum;
    }

    private static double median(float[] v, double[] w, Integer[] order) {
        double total = 0;
        for (Integer d : order) total += w[d];
        double half = total / 2, cum = 0;
        for (int t = 0; t < order.length; t++) {
            cum += w[order[t]];
            if (cum > half) return v[order[t]];
            if (cum == half) return 0.5 * ((double) v[order[t]] + v[order[t + 1]]);
        }
        return v[order[order.length - 1]];
    }

    private static int compare(float[][] a, double wa, float[][] b, double wb) {
        int c = Double.compare(wa, wb);
        for (int l = 0; c == 0 && l < a.length; l++) c = Arrays.compare(a[l], b[l]);
        return c;
    }
}
