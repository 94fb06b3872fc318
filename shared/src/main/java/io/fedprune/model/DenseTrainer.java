package io.fedprune.model;

import io.fedprune.data.Dataset;

import java.util.List;
import java.util.Random;

/** Trains all weights and biases of a model with Adam and softmax cross-entropy. */
public final class DenseTrainer {

    private DenseTrainer() {
    }

    /**
     * Trains a copy of {@code start} on {@code train}; {@code validation} (may be null) is evaluated after every
     * epoch for the progress report. The sample order comes from {@code seed}.
     */
    public static Model train(Model start, Dataset train, Dataset validation, DenseConfig cfg, long seed,
                              ProgressListener listener) {
        Model model = start.copy();
        Graph graph = model.graph();
        Network net = Network.of(model);
        List<String> names = graph.parameterNames();
        Adam[] opt = new Adam[names.size()];
        float[][] grads = new float[names.size()][];
        for (int i = 0; i < opt.length; i++) {
            int n = model.param(names.get(i)).length;
            opt[i] = new Adam(n);
            grads[i] = new float[n];
        }
        Batches batches = new Batches(train, cfg.batchSize());
        Random rnd = new Random(seed);
        long total = (long) cfg.epochs() * batches.steps, step = 0, t0 = System.currentTimeMillis();
        String phase = "dense " + graph.id();
        for (int e = 1; e <= cfg.epochs(); e++) {
            batches.shuffle(rnd);
            double lossSum = 0;
            for (int s = 0; s < batches.steps; s++, step++) {
                int b = batches.gather(s);
                lossSum += net.run(batches.x, batches.y, 0, b, true).loss();
                double lr = cfg.cosine() ? cfg.lr() * 0.5 * (1 + Math.cos(Math.PI * step / total)) : cfg.lr();
                for (int i = 0; i < opt.length; i++) {
                    String name = names.get(i);
                    net.gradient(name, grads[i]);
                    float[] p = model.param(name);
                    opt[i].step(p, grads[i], lr);
                    net.setParam(name, p);
                }
            }
            double acc = validation == null ? Double.NaN : net.evaluate(validation).accuracy();
            listener.onEpoch(new TrainProgress(phase, e, cfg.epochs(), lossSum / batches.steps, acc, Double.NaN,
                    System.currentTimeMillis() - t0));
        }
        return model;
    }
}
