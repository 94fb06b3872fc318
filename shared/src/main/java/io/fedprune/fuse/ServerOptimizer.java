package io.fedprune.fuse;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A server-side optimiser over rounds (FedOpt, Reddi et al. 2021): the fused logits minus the previous global logits
 * is a pseudo-gradient step {@code delta}, and the next global logits are {@code previous + lr * direction(delta)}.
 * <ul>
 *   <li>NONE: the fused logits themselves (default);</li>
 *   <li>MOMENTUM: {@code v = beta1 * v + delta}, direction {@code v} (FedAvgM);</li>
 *   <li>ADAM: {@code m = beta1 * m + (1 - beta1) * delta}, {@code v = beta2 * v + (1 - beta2) * delta^2},
 *       direction {@code m / (sqrt(v) + epsilon)} (FedAdam, no bias correction).</li>
 * </ul>
 * The state ({@link #state()}) is what a restarted coordinator needs to continue.
 */
public final class ServerOptimizer {

    /** The optimiser kinds. */
    public enum Kind { NONE, MOMENTUM, ADAM }

    /**
     * Optimiser settings.
     *
     * @param kind    default NONE
     * @param lr      server learning rate, > 0; default 1.0
     * @param beta1   momentum / first-moment decay in [0, 1); default 0.9
     * @param beta2   second-moment decay in [0, 1), ADAM only; default 0.99
     * @param epsilon ADAM's adaptivity floor tau, > 0; default 1e-3
     */
    public record Config(Kind kind, double lr, double beta1, double beta2, double epsilon) {
        public Config {
            Objects.requireNonNull(kind, "kind");
            if (!(lr > 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("lr must be finite and > 0, was " + lr);
            if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("beta1 must be in [0, 1), was " + beta1);
            if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("beta2 must be in [0, 1), was " + beta2);
            if (!(epsilon > 0)) throw new IllegalArgumentException("epsilon must be > 0, was " + epsilon);
        }

        /** No server optimiser: the next global logits are the fused logits. */
        public static Config none() {
            return new Config(Kind.NONE, 1.0, 0.9, 0.99, 1e-3);
        }
    }

    private final Config config;
    private final List<float[]> m;
    private final List<float[]> v;

    /** A fresh optimiser (zero state) for layers of the given sizes. */
    public ServerOptimizer(Config config, List<LayerShape> layers) {
        this.config = Objects.requireNonNull(config, "config");
        this.m = new ArrayList<>();
        this.v = new ArrayList<>();
        for (LayerShape s : layers) {
            m.add(new float[s.size()]);
            v.add(new float[s.size()]);
        }
    }

    /** An optimiser that continues from a saved {@link #state()} (first moments, then second moments, per layer). */
    public ServerOptimizer(Config config, List<LayerShape> layers, List<float[]> state) {
        this(config, layers);
        if (state.size() != 2 * layers.size())
            throw new IllegalArgumentException("state has " + state.size() + " arrays, expected " + 2 * layers.size());
        for (int l = 0; l < layers.size(); l++) {
            if (state.get(l).length != layers.get(l).size() || state.get(layers.size() + l).length != layers.get(l).size())
                throw new IllegalArgumentException("state of layer " + layers.get(l).name() + " has the wrong size");
            m.set(l, state.get(l).clone());
            v.set(l, state.get(layers.size() + l).clone());
        }
    }

    /** The settings. */
    public Config config() {
        return config;
    }

    /**
     * One server step.
     *
     * @param previous the global logits the round started from, per layer
     * @param fused    the round's fused logits, per layer
     * @return the next global logits (new arrays)
     */
    public List<float[]> step(List<float[]> previous, List<float[]> fused) {
        if (previous.size() != m.size() || fused.size() != m.size())
            throw new IllegalArgumentException("expected " + m.size() + " layers");
        List<float[]> out = new ArrayList<>();
        for (int l = 0; l < m.size(); l++) {
            float[] p = previous.get(l), f = fused.get(l), ml = m.get(l), vl = v.get(l);
            if (p.length != ml.length || f.length != ml.length) throw new IllegalArgumentException("layer " + l + " has the wrong size");
            float[] next = new float[p.length];
            for (int i = 0; i < p.length; i++) {
                double delta = (double) f[i] - p[i];
                double dir = switch (config.kind()) {
                    case NONE -> delta;
                    case MOMENTUM -> ml[i] = (float) (config.beta1() * ml[i] + delta);
                    case ADAM -> {
                        ml[i] = (float) (config.beta1() * ml[i] + (1 - config.beta1()) * delta);
                        vl[i] = (float) (config.beta2() * vl[i] + (1 - config.beta2()) * delta * delta);
                        yield ml[i] / (Math.sqrt(vl[i]) + config.epsilon());
                    }
                };
                next[i] = config.kind() == Kind.NONE ? f[i] : (float) (p[i] + config.lr() * dir);
            }
            out.add(next);
        }
        return out;
    }

    /** The optimiser state: first moments per layer, then second moments per layer (copies). */
    public List<float[]> state() {
        List<float[]> out = new ArrayList<>();
        for (float[] a : m) out.add(a.clone());
        for (float[] a : v) out.add(a.clone());
        return out;
    }
}
