package io.fedprune.model;

import io.fedprune.data.Dataset;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DenseTrainerTest {

    @Test
    void aFewStepsReduceTheLossAndLeaveTheStartModelAlone() {
        Dataset train = MiniMnist.get().train().head(640);
        Model start = Model.init(ModelArch.LENET300.graph(), 1);
        float[] w0 = start.weight("fc1").clone();
        double before = Network.of(start).evaluate(train).loss();
        Model trained = DenseTrainer.train(start, train, null, new DenseConfig(1, 64, 1e-3, false), 1, ProgressListener.NONE);
        double after = Network.of(trained).evaluate(train).loss();
        assertTrue(after < 0.7 * before, "loss " + before + " -> " + after);
        assertArrayEquals(w0, start.weight("fc1"));
    }

    @Test
    void lenet5LearnsToo() {
        Dataset train = MiniMnist.get().train().head(512);
        Model start = Model.init(ModelArch.LENET5.graph(), 2);
        double before = Network.of(start).evaluate(train).loss();
        Model trained = DenseTrainer.train(start, train, null, new DenseConfig(1, 64, 1e-3, false), 2, ProgressListener.NONE);
        double after = Network.of(trained).evaluate(train).loss();
        assertTrue(after < 0.7 * before, "loss " + before + " -> " + after);
    }
}
