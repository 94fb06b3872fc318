package io.fedprune.fuse;

import java.util.ArrayList;
import java.util.List;

import static io.fedprune.fuse.InvalidContributionException.Problem;

/**
 * {@link Fusion#RANK} and {@link Fusion#INCLUSION}: a weighted mean of a per-row score (rank, inclusion probability)
 * plus the weighted mean of the logits, which the fused score re-orders into the next round's logits.
 *
 * <p>RANK folds row by row: the row's ranks (from the row order the device sent, checked against its logits in O(n),
 * or, without one, by sorting the row here), then both sums in one pass that also checks every logit's bound. A bad
 * row undoes the rows folded before it (fixed-point sums subtract exactly) and refuses the contribution.
 */
record ReorderingFusion(Fusion kind, double temperature) implements FusionStrategy {

    @Override
    public Accumulator begin(List<LayerShape> layers, FoldBounds bounds) {
        List<LayerShape> ls = List.copyOf(layers);
        List<FixedSum> scoreSums = new ArrayList<>();
        List<FixedSum> logitSums = new ArrayList<>();
        List<RowOps.Ranker> rankers = new ArrayList<>();
        int maxN = 0;
        for (LayerShape s : ls) {
            scoreSums.add(new FixedSum(s.size(), kind == Fusion.RANK ? s.n() - 1 : 1, bounds));
            logitSums.add(new FixedSum(s.size(), bounds.maxAbsLogit(), bounds));
            rankers.add(new RowOps.Ranker(s.n()));
            maxN = Math.max(maxN, s.n());
        }
        float[] rank = new float[maxN];
        return new StreamingAccumulator(ls, bounds) {
            @Override
            void accumulate(Contribution c) {
                if (kind == Fusion.RANK) accumulateRanks(c); else accumulateInclusion(c);
            }

            private void accumulateRanks(Contribution c) {
                for (int l = 0; l < ls.size(); l++) {
                    float[] x = c.logits().get(l);
                    int n = ls.get(l).n();
                    for (int off = 0; off < x.length; off += n) {
                        if (!rank(c, l, off)) {
                            foldRanks(c, l, off, -c.weight());
                            throw refused(l, x, off / n);
                        }
                        if (!logitSums.get(l).add2(scoreSums.get(l), x, rank, off, n, c.weight(), c.weight())) {
                            foldRanks(c, l, off + n, -c.weight());
                            throw refused(l, x, off / n);
                        }
                    }
                }
            }

            /** The ranks of row {@code off} of layer {@code l} into {@code rank}: from the device's order if it sent one. */
            private boolean rank(Contribution c, int l, int off) {
                int[] order = c.order(l);
                if (order != null) return rankers.get(l).rank(c.logits().get(l), order, off, rank);
                rankers.get(l).rank(c.logits().get(l), off, rank);
                return true;
            }

            /** Folds the contribution's rows before row {@code end} of layer {@code last} with weight {@code w} (undo: -weight). */
            private void foldRanks(Contribution c, int last, int end, double w) {
                for (int l = 0; l <= last; l++) {
                    float[] x = c.logits().get(l);
                    int n = ls.get(l).n();
                    for (int off = 0; off < (l < last ? x.length : end); off += n) {
                        rank(c, l, off);
                        logitSums.get(l).add2(scoreSums.get(l), x, rank, off, n, w, w);
                    }
                }
            }

            private void accumulateInclusion(Contribution c) {
                for (int l = 0; l < ls.size(); l++) {
                    float[] x = c.logits().get(l);
                    if (!logitSums.get(l).add(x, 0, x.length, c.weight())) {
                        for (int u = 0; u <= l; u++) {
                            logitSums.get(u).add(c.logits().get(u), 0, c.logits().get(u).length, -c.weight());
                            if (u < l) scoreSums.get(u).add(inclusion(c, u), -c.weight());
                        }
                        throw outOfRange(ls.get(l), x);
                    }
                    scoreSums.get(l).add(inclusion(c, l), c.weight());
                }
            }

            private double[] inclusion(Contribution c, int l) {
                return RowOps.inclusion(c.logits().get(l), ls.get(l), c.k()[l], temperature);
            }

            /** Why row {@code row} of layer {@code l} failed: a logit out of range, else its row order. */
            private InvalidContributionException refused(int l, float[] x, int row) {
                for (float v : x) if (!(Math.abs(v) <= bounds.maxAbsLogit())) return outOfRange(ls.get(l), x);
                return new InvalidContributionException(Problem.ROW_ORDER,
                        "layer " + ls.get(l).name() + ": the row order of row " + row + " is not an ascending order of its logits");
            }

            @Override
            List<FixedSum> sums() {
                List<FixedSum> all = new ArrayList<>(scoreSums);
                all.addAll(logitSums);
                return all;
            }

            @Override
            FusionResult result(double total) {
                List<float[]> scores = new ArrayList<>();
                List<float[]> logits = new ArrayList<>();
                for (int l = 0; l < ls.size(); l++) {
                    int size = ls.get(l).size();
                    float[] r = new float[size], next = new float[size];
                    RowOps.reorder(scoreSums.get(l).keys(), logitSums.get(l).divided(total), ls.get(l), next, r);
                    scores.add(r);
                    logits.add(next);
                }
                return new FusionResult(scores, logits, count(), total);
            }
        };
    }
}
