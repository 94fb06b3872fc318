package io.fedprune.fuse;

import java.util.ArrayList;
import java.util.List;

import static io.fedprune.fuse.InvalidContributionException.Problem;

/**
 * {@link Fusion#RANK} and {@link Fusion#INCLUSION}: a weighted mean of a per-row score (rank, inclusion probability)
 * plus the weighted mean of the logits, which the fused score re-orders into the next round's logits.
 *
 * <p>RANK folds row by row: the row's ranks (those the device sent, or, without them, by sorting the row here), then
 * both sums in one streaming pass that also checks every logit's bound and that the ranks look like a ranking
 * ({@link RowRanks}). A bad row undoes itself and the rows folded before it (fixed-point sums subtract exactly) and
 * refuses the contribution.
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
            scoreSums.add(new FixedSum(s.size(), kind == Fusion.RANK ? 2 * (s.n() - 1) : 1, bounds));   // twice-ranks
            logitSums.add(new FixedSum(s.size(), bounds.maxAbsLogit(), bounds));
            rankers.add(new RowOps.Ranker(s.n()));
            maxN = Math.max(maxN, s.n());
        }
        int[] rank = new int[maxN];
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
                        if (!foldRow(c, l, off, c.weight())) {
                            foldRanks(c, l, off + n, -c.weight());
                            throw refused(c, l, off / n);
                        }
                    }
                }
            }

            /** Folds row {@code off} of layer {@code l} with weight {@code w}: its logits and its ranks (the device's or sorted here). */
            private boolean foldRow(Contribution c, int l, int off, double w) {
                float[] x = c.logits().get(l);
                int n = ls.get(l).n();
                int[] sent = c.ranks(l);
                if (sent != null) return logitSums.get(l).add2(scoreSums.get(l), x, sent, off, off, n, w, w);
                rankers.get(l).rank(x, off, rank);
                return logitSums.get(l).add2(scoreSums.get(l), x, rank, off, 0, n, w, w);
            }

            /** Folds the contribution's rows before row {@code end} of layer {@code last} with weight {@code w} (undo: -weight). */
            private void foldRanks(Contribution c, int last, int end, double w) {
                for (int l = 0; l <= last; l++)
                    for (int off = 0; off < (l < last ? c.logits().get(l).length : end); off += ls.get(l).n()) foldRow(c, l, off, w);
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

            /** Why row {@code row} of layer {@code l} failed: a logit out of range, else its ranks. */
            private InvalidContributionException refused(Contribution c, int l, int row) {
                float[] x = c.logits().get(l);
                for (float v : x) if (!(Math.abs(v) <= bounds.maxAbsLogit())) return outOfRange(ls.get(l), x);
                int n = ls.get(l).n();
                String why = c.ranks(l) == null ? "its ranks as sorted here" : RowRanks.problem(c.ranks(l), row * n, n);
                return new InvalidContributionException(Problem.ROW_RANKS, "layer " + ls.get(l).name() + ": row " + row + " is no ranking: " + why);
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
                    RowOps.reorder(scoreSums.get(l).keys(), logitSums.get(l).keys(), true, logitSums.get(l).divided(total), ls.get(l), next, r);
                    scores.add(r);
                    logits.add(next);
                }
                return new FusionResult(scores, logits, count(), total);
            }
        };
    }
}
