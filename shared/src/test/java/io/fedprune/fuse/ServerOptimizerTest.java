package io.fedprune.fuse;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ServerOptimizerTest {
    private static final List<LayerShape> ONE = List.of(new LayerShape("l", 1, 1));

    private static float step(ServerOptimizer o, float prev, float fused) {
        return o.step(List.of(new float[]{prev}), List.of(new float[]{fused})).get(0)[0];
    }

    @Test
    void noneReturnsTheFusedLogits() {
        ServerOptimizer o = new ServerOptimizer(ServerOptimizer.Config.none(), ONE);
        assertEquals(3f, step(o, 1f, 3f));
    }

    @Test
    void momentumAccumulatesDeltas() {
        // beta 0.5, lr 1: delta 1 -> v 1 -> 0 + 1 = 1; delta 0.5 -> v 0.5 + 0.5 = 1 -> 1 + 1 = 2
        ServerOptimizer o = new ServerOptimizer(new ServerOptimizer.Config(ServerOptimizer.Kind.MOMENTUM, 1.0, 0.5, 0.9, 1e-3), ONE);
        assertEquals(1f, step(o, 0f, 1f), 1e-6);
        assertEquals(2f, step(o, 1f, 1.5f), 1e-6);
    }

    @Test
    void adamNormalisesTheStep() {
        // beta1 = beta2 = 0.5, eps 1e-3, lr 1: delta 1 -> m 0.5, v 0.5 -> 0.5 / (0.707107 + 0.001) = 0.706108
        ServerOptimizer.Config cfg = new ServerOptimizer.Config(ServerOptimizer.Kind.ADAM, 1.0, 0.5, 0.5, 1e-3);
        ServerOptimizer o = new ServerOptimizer(cfg, ONE);
        assertEquals(0.706108, step(o, 0f, 1f), 1e-5);
        // second step: delta = 2 - 0.706108 = 1.293892 -> m = 0.25 + 0.646946 = 0.896946,
        // v = 0.25 + 0.5 * 1.674157 = 1.087079 -> 0.896946 / (1.042631 + 0.001) = 0.859429 -> 1.565537
        ServerOptimizer restored = new ServerOptimizer(cfg, ONE, o.state());
        float expected = 0.706108f + 0.859429f;
        assertEquals(expected, step(o, 0.706108f, 2f), 1e-4);
        assertEquals(expected, step(restored, 0.706108f, 2f), 1e-4);
    }
}
