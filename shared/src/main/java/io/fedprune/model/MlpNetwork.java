package io.fedprune.model;

import java.util.List;

/** LeNet-300-100 on ND4J: three {@link Dense} layers, ReLU after the hidden ones. */
final class MlpNetwork extends Network {
    private final Dense[] layers;

    MlpNetwork() {
        super(ModelArch.LENET300.graph());
        List<Layer> ls = ModelArch.LENET300.layers();
        layers = new Dense[ls.size()];
        for (int i = 0; i < layers.length; i++) layers[i] = new Dense(ls.get(i));
    }

    private final class Work {
        final NdBuf x, ones;
        final NdBuf[] act, dAct, scratch;

        Work(int batch) {
            x = new NdBuf(batch, layers[0].in);
            ones = Dense.ones(batch);
            act = new NdBuf[layers.length];
            dAct = new NdBuf[layers.length];
            scratch = new NdBuf[layers.length];
            for (int i = 0; i < layers.length; i++) {
                act[i] = new NdBuf(batch, layers[i].out);
                dAct[i] = new NdBuf(batch, layers[i].out);
                scratch[i] = new NdBuf(batch, layers[i].out);
            }
        }
    }

    private Dense dense(String layer) {
        for (Dense d : layers) if (d.layer.name().equals(layer)) return d;
        throw new IllegalArgumentException("layer '" + layer + "' not in lenet300");
    }

    private NdBuf buf(String name, boolean grad) {
        int dot = name.lastIndexOf('.');
        if (dot < 0) throw new IllegalArgumentException("parameter '" + name + "' is not <layer>.weight or <layer>.bias");
        Dense d = dense(name.substring(0, dot));
        return switch (name.substring(dot + 1)) {
            case "weight" -> grad ? d.dw : d.w;
            case "bias" -> grad ? d.db : d.b;
            default -> throw new IllegalArgumentException("parameter '" + name + "' is not <layer>.weight or <layer>.bias");
        };
    }

    @Override
    public void setParam(String name, float[] values) {
        buf(name, false).put(values);
    }

    @Override
    public void gradient(String name, float[] out) {
        buf(name, true).get(out);
    }

    @Override
    public BatchResult run(float[] x, int[] y, int offset, int batch, boolean backward) {
        Work w = workspace(batch, Work::new);
        int in = layers[0].in;
        w.x.put(x, offset * in, batch * in);
        int last = layers.length - 1;
        for (int i = 0; i <= last; i++) layers[i].forward(i == 0 ? w.x : w.act[i - 1], w.act[i], i < last);
        BatchResult r = softmaxCrossEntropy(w.act[last], backward ? w.dAct[last] : null, y, offset, batch);
        if (backward) {
            for (int i = last; i >= 0; i--) {
                layers[i].backward(i == 0 ? w.x : w.act[i - 1], w.dAct[i], w.ones, i == 0 ? null : w.dAct[i - 1]);
                if (i > 0) Dense.reluBackward(w.act[i - 1], w.dAct[i - 1], w.scratch[i - 1]);
            }
        }
        return r;
    }
}
