package io.fedprune.model;

import io.fedprune.data.Dataset;
import io.fedprune.dpp.DppConfig;
import io.fedprune.dpp.DppLayer;
import io.fedprune.dpp.Logits;
import io.fedprune.dpp.MaskSpec;
import io.fedprune.dpp.Masks;
import io.fedprune.dpp.TemperatureSchedule;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * DPP training of k-of-n mask logits, one {@link DppLayer} per prunable layer (each with its own granularity and k).
 * One step: every DPP layer samples a hard mask by Gumbel top-k and writes its effective weights
 * {@code Weff = W * mask} (quantised if configured); the network runs forward and backward with {@code Weff}; every
 * DPP layer takes {@code dL/dWeff} through the straight-through relaxed top-k to its logits and makes an Adam step.
 * The temperature falls linearly from {@code t0} to {@code t1} over all steps. With weights frozen (the default, the
 * mode devices use) the model is not changed; with {@link TrainConfig#trainWeights()} the weights and biases are
 * trained too (Adam on {@code dL/dW = dL/dWeff * mask}). Layers without a spec stay dense.
 *
 * <p>Nested tiers: given smaller tiers of the same layers (e.g. a job's tiers below a device's own), the steps cycle
 * over them and the own specs, smallest first (step s trains tier {@code s mod (tiers + 1)}, each layer at that
 * tier's k), so one set of logits learns to rank its candidates at every one of those k; the result's masks are the
 * own specs' top-k. Without smaller tiers every step trains the own specs (bit for bit as before).
 *
 * <p>Reproducible: the sample order comes from {@code seed}, layer i's Gumbel stream from {@link #layerSeed}.
 */
public final class DppTrainer {

    private DppTrainer() {
    }

    /** {@link #train(Model, Dataset, Dataset, List, Map, TrainConfig, long, ProgressListener)} without validation. */
    public static DppResult train(Model model, Dataset data, List<MaskSpec> specs, Map<String, float[]> initialLogits,
                                  TrainConfig cfg, long seed, ProgressListener listener) {
        return train(model, data, null, specs, initialLogits, cfg, seed, listener);
    }

    /**
     * Trains mask logits on {@code data}.
     *
     * @param model         the trained dense model (not modified)
     * @param data          training data
     * @param validation    evaluated with the deterministic masks after each epoch for the progress report; may be null
     * @param specs         one mask spec per prunable layer to train
     * @param initialLogits starting logits per layer name ({@code float[G * n]}); a missing layer (or a null map)
     *                      starts from {@link Logits#fromWeights} (2 x per-group z-score of the candidate magnitudes)
     * @param cfg           hyper-parameters
     * @param seed          seed of the sample order and of every Gumbel draw
     * @param listener      receives per-epoch progress
     */
    public static DppResult train(Model model, Dataset data, Dataset validation, List<MaskSpec> specs,
                                  Map<String, float[]> initialLogits, TrainConfig cfg, long seed, ProgressListener listener) {
        return train(model, data, validation, specs, List.of(), initialLogits, cfg, seed, listener);
    }

    /**
     * {@link #train(Model, Dataset, Dataset, List, Map, TrainConfig, long, ProgressListener)} that also trains the
     * logits at smaller tiers, the steps cycling over {@code nested} (in the order given) and then {@code specs}.
     *
     * @param nested smaller tiers: each the same layers as {@code specs} in the same order, same granularity, every
     *               k at most the own spec's; empty = the own specs only
     */
    public static DppResult train(Model model, Dataset data, Dataset validation, List<MaskSpec> specs,
                                  List<List<MaskSpec>> nested, Map<String, float[]> initialLogits, TrainConfig cfg,
                                  long seed, ProgressListener listener) {
        Graph graph = model.graph();
        Pruning.checkSpecs(graph, specs);
        if (specs.isEmpty()) throw new IllegalArgumentException("specs must name at least one layer");
        Model work = model.copy();                    // weights (trained in joint mode)
        Network net = Network.of(work);
        DppConfig dcfg = cfg.dppConfig();
        int L = specs.size();
        int[][] tierK = tierK(specs, nested);
        DppLayer[] dpp = new DppLayer[L];
        float[][] weff = new float[L][], grad = new float[L][];
        Map<String, float[]> start = new LinkedHashMap<>();
        for (int i = 0; i < L; i++) {
            MaskSpec s = specs.get(i);
            float[] w = work.weight(s.layer());
            float[] init = initialLogits == null ? null : initialLogits.get(s.layer());
            if (init == null) init = Logits.fromWeights(w, s, Logits.DEFAULT_SCALE);
            start.put(s.layer(), init);
            dpp[i] = new DppLayer(s, nestedK(tierK, i, s.k()), init, dcfg, layerSeed(seed, i));
            weff[i] = new float[w.length];
            grad[i] = new float[w.length];
        }
        int bits = cfg.quantBits();
        Joint joint = cfg.trainWeights() ? new Joint(work, specs) : null;
        if (bits > 0) setDenseLayers(net, work, specs, bits);

        Network.Evaluation before = cfg.evaluate() ? evaluate(net, work, specs, topK(specs, start), bits, data) : null;
        if (cfg.evaluate()) net.load(work);
        if (bits > 0) setDenseLayers(net, work, specs, bits);

        Batches batches = new Batches(data, cfg.batchSize());
        Random order = new Random(seed);
        TemperatureSchedule sched = cfg.schedule();
        long total = (long) cfg.epochs() * batches.steps, step = 0;
        long t0 = System.currentTimeMillis(), loopMillis = 0;
        double firstLoss = Double.NaN, lastLoss = Double.NaN;
        float temperature = (float) cfg.t0();
        String phase = "dpp " + graph.id();
        for (int e = 1; e <= cfg.epochs(); e++) {
            long e0 = System.currentTimeMillis();
            batches.shuffle(order);
            double lossSum = 0;
            for (int s = 0; s < batches.steps; s++, step++) {
                int b = batches.gather(s);
                temperature = sched.at(step, total);
                int[] ks = tierK[(int) (step % tierK.length)];
                for (int i = 0; i < L; i++) {
                    float[] w = work.weight(specs.get(i).layer());
                    dpp[i].useK(ks[i]);
                    dpp[i].forward(w, weff[i], temperature);
                    if (bits > 0) Quantizer.quantizeInPlace(weff[i], bits);
                    net.setParam(specs.get(i).layer() + ".weight", weff[i]);
                }
                lossSum += net.run(batches.x, batches.y, 0, b, true).loss();
                for (int i = 0; i < L; i++) {
                    net.gradient(specs.get(i).layer() + ".weight", grad[i]);
                    dpp[i].backward(work.weight(specs.get(i).layer()), grad[i], temperature);
                }
                if (joint != null) joint.step(net, dpp, grad, cfg.weightLr(), bits);
            }
            loopMillis += System.currentTimeMillis() - e0;
            double loss = lossSum / batches.steps;
            if (e == 1) firstLoss = loss;
            lastLoss = loss;
            double acc = Double.NaN;
            if (validation != null) {
                acc = evaluate(net, work, specs, finalMasks(dpp), bits, validation).accuracy();
                net.load(work);
                if (bits > 0) setDenseLayers(net, work, specs, bits);
            }
            listener.onEpoch(new TrainProgress(phase, e, cfg.epochs(), loss, acc, temperature, System.currentTimeMillis() - t0));
        }

        Map<String, float[]> logits = new LinkedHashMap<>(), masks = finalMasks(dpp);
        Map<String, LayerMetrics> metrics = new LinkedHashMap<>();
        for (int i = 0; i < L; i++) {
            MaskSpec s = specs.get(i);
            float[] d = dpp[i].logits();
            logits.put(s.layer(), d);
            metrics.put(s.layer(), LayerMetrics.of(s, d));
        }
        Network.Evaluation after = cfg.evaluate() ? evaluate(net, work, specs, masks, bits, data) : null;
        return new DppResult(logits, masks, metrics, before, after, firstLoss, lastLoss, step, loopMillis,
                joint != null ? work : null);
    }

    /** Per tier in step order (the nested ones, then the own), the k of every layer; checks the nested specs. */
    private static int[][] tierK(List<MaskSpec> specs, List<List<MaskSpec>> nested) {
        int[][] out = new int[nested.size() + 1][];
        for (int t = 0; t <= nested.size(); t++) {
            List<MaskSpec> tier = t < nested.size() ? nested.get(t) : specs;
            if (tier.size() != specs.size())
                throw new IllegalArgumentException("nested tier " + t + " has " + tier.size() + " layers, the own specs " + specs.size());
            out[t] = new int[specs.size()];
            for (int i = 0; i < specs.size(); i++) {
                MaskSpec own = specs.get(i), s = tier.get(i);
                if (!s.layer().equals(own.layer()) || s.granularity() != own.granularity() || s.n() != own.n()
                        || s.groups() != own.groups() || s.k() > own.k())
                    throw new IllegalArgumentException("nested tier " + t + ": " + s.layer() + " (" + s.granularity() + ", k=" + s.k()
                            + " of n=" + s.n() + ") does not nest in " + own.layer() + " (" + own.granularity() + ", k=" + own.k()
                            + " of n=" + own.n() + ")");
                out[t][i] = s.k();
            }
        }
        return out;
    }

    /** Layer {@code i}'s distinct k below its own over the tiers. */
    private static int[] nestedK(int[][] tierK, int i, int own) {
        return Arrays.stream(tierK).mapToInt(t -> t[i]).filter(k -> k < own).distinct().toArray();
    }

    /** Seed of layer {@code i}'s Gumbel stream (SplitMix64 of the run seed and the layer index). */
    public static long layerSeed(long seed, int i) {
        long z = seed + 0x9E3779B97F4A7C15L * (i + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Loss and accuracy of {@code model} on {@code data} with the given group masks (and quantisation). */
    public static Network.Evaluation evaluate(Model model, List<MaskSpec> specs, Map<String, float[]> groupMasks,
                                              int quantBits, Dataset data) {
        return Network.of(Pruning.apply(model, specs, groupMasks, quantBits)).evaluate(data);
    }

    private static Network.Evaluation evaluate(Network net, Model model, List<MaskSpec> specs,
                                               Map<String, float[]> groupMasks, int bits, Dataset data) {
        net.load(Pruning.apply(model, specs, groupMasks, bits));
        return net.evaluate(data);
    }

    private static Map<String, float[]> topK(List<MaskSpec> specs, Map<String, float[]> logits) {
        Map<String, float[]> m = new LinkedHashMap<>();
        for (MaskSpec s : specs) m.put(s.layer(), Masks.topK(logits.get(s.layer()), s));
        return m;
    }

    private static Map<String, float[]> finalMasks(DppLayer[] dpp) {
        Map<String, float[]> m = new LinkedHashMap<>();
        for (DppLayer d : dpp) m.put(d.spec().layer(), d.finalGroupMask());
        return m;
    }

    /** Sets the (quantised) weights of the layers without a spec. */
    private static void setDenseLayers(Network net, Model work, List<MaskSpec> specs, int bits) {
        for (Layer l : work.graph().layers()) {
            if (specs.stream().anyMatch(s -> s.layer().equals(l.name()))) continue;
            float[] w = work.weight(l.name()).clone();
            if (bits > 0) Quantizer.quantizeInPlace(w, bits);
            net.setParam(l.weightName(), w);
        }
    }

    /** Joint training: Adam on every weight and bias, gradient through the sampled mask (straight-through quantiser). */
    private static final class Joint {
        private final Model work;
        private final List<MaskSpec> specs;
        private final List<Layer> layers;
        private final Adam[] wOpt, bOpt;
        private final float[][] wGrad, bGrad;
        private final int[] specIndex;
        private final float[][] mask;

        Joint(Model work, List<MaskSpec> specs) {
            this.work = work;
            this.specs = specs;
            layers = work.graph().layers();
            int n = layers.size();
            wOpt = new Adam[n];
            bOpt = new Adam[n];
            wGrad = new float[n][];
            bGrad = new float[n][];
            specIndex = new int[n];
            mask = new float[n][];
            for (int j = 0; j < n; j++) {
                Layer l = layers.get(j);
                wOpt[j] = new Adam(l.weightCount());
                bOpt[j] = new Adam(l.outputs());
                wGrad[j] = new float[l.weightCount()];
                bGrad[j] = new float[l.outputs()];
                specIndex[j] = -1;
                for (int i = 0; i < specs.size(); i++) if (specs.get(i).layer().equals(l.name())) specIndex[j] = i;
                if (specIndex[j] >= 0) mask[j] = new float[l.weightCount()];
            }
        }

        void step(Network net, DppLayer[] dpp, float[][] gradWeff, double lr, int bits) {
            for (int j = 0; j < layers.size(); j++) {
                Layer l = layers.get(j);
                float[] w = work.weight(l.name()), g = wGrad[j];
                int i = specIndex[j];
                if (i >= 0) {
                    dpp[i].lastMask(mask[j]);
                    float[] gw = gradWeff[i], m = mask[j];
                    for (int t = 0; t < g.length; t++) g[t] = gw[t] * m[t];
                } else {
                    net.gradient(l.weightName(), g);
                }
                wOpt[j].step(w, g, lr);
                net.gradient(l.biasName(), bGrad[j]);
                float[] b = work.bias(l.name());
                bOpt[j].step(b, bGrad[j], lr);
                net.setParam(l.biasName(), b);
                if (i < 0) {
                    float[] q = w;
                    if (bits > 0) Quantizer.quantizeInPlace(q = w.clone(), bits);
                    net.setParam(l.weightName(), q);
                }
            }
        }
    }
}
