package io.fedprune.model;

import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** A dense layer y = x W^T + b on preallocated ND4J buffers; W is {@code [out, in]}, b {@code [1, out]}. */
final class Dense {
    final Layer layer;
    final int in, out;
    final NdBuf w, b, dw, db;

    Dense(Layer layer) {
        this.layer = layer;
        this.out = layer.weightShape()[0];
        this.in = layer.weightShape()[1];
        w = new NdBuf(out, in);
        dw = new NdBuf(out, in);
        b = new NdBuf(1, out);
        db = new NdBuf(1, out);
    }

    /** y = x W^T + b, then ReLU in place if {@code relu}. */
    void forward(NdBuf x, NdBuf y, boolean relu) {
        NdBuf.gemm(x, w, y, false, true);
        y.nd.addiRowVector(b.nd);
        if (relu) Transforms.relu(y.nd, false);
    }

    /** dW = dy^T x, db = 1^T dy, and dx = dy W if {@code dx} is not null. {@code ones} is a {@code [1, batch]} array of 1. */
    void backward(NdBuf x, NdBuf dy, NdBuf ones, NdBuf dx) {
        NdBuf.gemm(dy, x, dw, true, false);
        NdBuf.gemm(ones, dy, db, false, false);
        if (dx != null) NdBuf.gemm(dy, w, dx, false, false);
    }

    /** d *= (act > 0): the ReLU backward, given the ReLU's output; {@code scratch} has the shape of {@code act}. */
    static void reluBackward(NdBuf act, NdBuf d, NdBuf scratch) {
        Nd4j.exec(new Step(act.nd, scratch.nd, 0.0));
        d.nd.muli(scratch.nd);
    }

    static NdBuf ones(int batch) {
        NdBuf o = new NdBuf(1, batch);
        o.nd.assign(1f);
        return o;
    }
}
