package io.fedprune.runtime;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OpTest {

    @Test
    void convolutionIsACrossCorrelationPlusBias() {
        // input 1x3x3 = 1..9, kernel [[1, 0], [0, -1]], bias 0.5: out(y,x) = in(y,x) - in(y+1,x+1) + 0.5 = -3.5
        Op.Conv2d conv = Op.Conv2d.of("c", DenseWeights.of(1, 4, new float[]{1, 0, 0, -1}), new float[]{0.5f}, 2, 2, 1, 0);
        float[] out = new float[4];
        conv.forward(new float[]{1, 2, 3, 4, 5, 6, 7, 8, 9}, new Shape(1, 3, 3), 1, out);
        assertArrayEquals(new float[]{-3.5f, -3.5f, -3.5f, -3.5f}, out);
        assertEquals(new Shape(1, 2, 2), conv.output(new Shape(1, 3, 3)));
    }

    @Test
    void paddedStridedConvolution() {
        // input 1x2x2 = [[1, 2], [3, 4]], 3x3 kernel of ones, pad 1, stride 2: one output per corner window
        Op.Conv2d conv = Op.Conv2d.of("c", DenseWeights.of(1, 9, new float[]{1, 1, 1, 1, 1, 1, 1, 1, 1}), new float[]{0}, 3, 3, 2, 1);
        assertEquals(new Shape(1, 1, 1), conv.output(new Shape(1, 2, 2)));
        float[] out = new float[1];
        conv.forward(new float[]{1, 2, 3, 4}, new Shape(1, 2, 2), 1, out);
        assertArrayEquals(new float[]{10}, out);
    }

    @Test
    void maxPoolAndRelu() {
        float[] out = new float[2];
        Op.Pool2d.max(2, 2).forward(new float[]{1, -2, 3, 0, /* row 1 */ 5, 4, -1, 7}, new Shape(1, 2, 4), 1, out);
        assertArrayEquals(new float[]{5, 7}, out);
        float[] r = new float[3];
        Op.Activation.relu().forward(new float[]{-1, 0, 2}, Shape.vector(3), 1, r);
        assertArrayEquals(new float[]{0, 0, 2}, r);
    }

    @Test
    void averagePoolLeavesPaddingOutOfTheDivisorUnlessAsked() {
        // 1x2x2 = [[1, 2], [3, 4]], 2x2 windows, stride 2, pad 1 on every side: one input per output window
        Op.Pool2d avg = new Op.Pool2d(false, 2, 2, 2, 2, new int[]{1, 1, 1, 1}, false);
        float[] out = new float[4];
        avg.forward(new float[]{1, 2, 3, 4}, new Shape(1, 2, 2), 1, out);
        assertArrayEquals(new float[]{1, 2, 3, 4}, out);
        new Op.Pool2d(false, 2, 2, 2, 2, new int[]{1, 1, 1, 1}, true).forward(new float[]{1, 2, 3, 4}, new Shape(1, 2, 2), 1, out);
        assertArrayEquals(new float[]{0.25f, 0.5f, 0.75f, 1}, out);
        // depthwise 1x1 kernels: channel c times its weight, plus bias
        float[] dw = new float[4];
        new Op.DepthwiseConv2d("d", 2, new float[]{2, -1}, new float[]{0, 1}, 1, 1, 1, 1, new int[4])
                .forward(new float[]{1, 2, 3, 4}, new Shape(2, 1, 2), 1, dw);
        assertArrayEquals(new float[]{2, 4, -2, -3}, dw);
    }

    @Test
    void linearOnABatchEqualsLinearPerSample() {
        Op.Linear lin = new Op.Linear("l", DenseWeights.of(2, 3, new float[]{1, 2, 3, -1, 0, 1}), new float[]{1, -1});
        CompactNetwork net = CompactNetwork.chain(Shape.vector(3), List.of(lin));
        float[] x = {1, 1, 1, 2, 0, -1};
        // sample 0: (1+2+3+1, -1+1-1) = (7, -1); sample 1: (2-3+1, -2-1-1) = (0, -4)
        assertArrayEquals(new float[]{7, -1, 0, -4}, net.forward(x, 0, 2));
        assertArrayEquals(new float[]{0, -4}, net.forward(x, 1, 1));
        assertEquals(6 * 4 + 2 * 4, net.parameterBytes());
    }

    @Test
    void aChainThatDoesNotFitIsRefused() {
        Op.Linear lin = new Op.Linear("l", DenseWeights.of(2, 3, new float[6]), new float[2]);
        assertThrows(IllegalArgumentException.class, () -> CompactNetwork.chain(Shape.vector(4), List.of(lin)));
    }

    @Test
    void aResidualSumAddsTheInputToTheBranch() {
        Op.Linear a = new Op.Linear("a", DenseWeights.of(2, 2, new float[]{1, 1, 0, -1}), new float[]{0, 0});
        Op.Linear head = new Op.Linear("head", DenseWeights.of(1, 2, new float[]{2, 1}), new float[]{1});
        CompactNetwork net = new CompactNetwork(Shape.vector(2), List.of(new CompactNetwork.Apply(a, 0),
                new CompactNetwork.Apply(Op.Activation.relu(), 1), new CompactNetwork.Sum(0, 2), new CompactNetwork.Apply(head, 3)), 4);
        // x = (1, -2): a -> (-1, 2), relu -> (0, 2), + x -> (1, 0), head -> 2*1 + 0 + 1 = 3; x = (0, 1): a -> (1, -1),
        // relu -> (1, 0), + x -> (1, 1), head -> 2 + 1 + 1 = 4
        assertArrayEquals(new float[]{3, 4}, net.forward(new float[]{1, -2, 0, 1}, 0, 2));
        assertEquals(1, net.classes());
        assertThrows(IllegalArgumentException.class, () -> new CompactNetwork(Shape.vector(2),
                List.of(new CompactNetwork.Apply(head, 0), new CompactNetwork.Sum(0, 1)), 2), "values of 2 and 1 floats");
        assertThrows(IllegalArgumentException.class, () -> new CompactNetwork(Shape.vector(2),
                List.of(new CompactNetwork.Sum(0, 1), new CompactNetwork.Apply(a, 0)), 2), "a node reading a later value");
    }

    @Test
    void removedChannelsAddTheirConstantWhereTheWindowIsInsideTheInput() {
        // a 3x3 kernel of ones, padding 1, over a 3x3 input: a corner window reads 4 input positions, an edge 6, the centre 9
        Op.RemovedChannels share = new Op.RemovedChannels("c.border", new float[]{1, 1, 1, 1, 1, 1, 1, 1, 1}, 3, 3, 1, 1,
                new int[]{1, 1, 1, 1}, 3, 3);
        float[] x = new float[18], out = new float[18];
        x[9] = 100;   // second sample, first position
        share.forward(x, new Shape(1, 3, 3), 2, out);
        assertArrayEquals(new float[]{4, 6, 4, 6, 9, 6, 4, 6, 4, 104, 6, 4, 6, 9, 6, 4, 6, 4}, out);
        assertEquals(9, share.parameterCount());
        assertThrows(IllegalArgumentException.class, () -> share.output(new Shape(1, 2, 2)));
    }
}
