package io.fedprune.model;

import java.util.Arrays;

/**
 * LeNet-5 (Caffe variant) on ND4J. Convolutions are im2col in Java plus one BLAS gemm each; activations between the
 * convolutions are kept channel-last (NHWC) so that im2col copies contiguous runs. Internally {@code conv2}'s weight
 * is stored as {@code [cout, kh, kw, cin]} to match that column order; {@link #setParam}/{@link #gradient} convert
 * from/to the standard {@code [cout, cin, kh, kw]}. The pooled map enters {@code fc1} flattened channel-major
 * ({@code c*16 + y*4 + x}), the standard layout.
 */
final class LeNet5Network extends Network {
    private static final int S0 = 28, K = 5, C1 = 20, S1 = 24, P1 = 12, C2 = 50, S2 = 8, P2 = 4;
    private static final int COL1 = K * K, COL2 = K * K * C1, FLAT = C2 * P2 * P2;

    private final NdBuf w1 = new NdBuf(C1, COL1), dw1 = new NdBuf(C1, COL1);
    private final NdBuf w2 = new NdBuf(C2, COL2), dw2 = new NdBuf(C2, COL2);
    private final float[] b1 = new float[C1], b2 = new float[C2], db1 = new float[C1], db2 = new float[C2];
    private final float[] perm = new float[C2 * COL2];
    private final Dense fc1 = new Dense(ModelArch.LENET5.layer("fc1")), fc2 = new Dense(ModelArch.LENET5.layer("fc2"));

    LeNet5Network() {
        super(ModelArch.LENET5.graph());
    }

    private static final class Work {
        final int batch;
        final float[] cols1, out1, p1, cols2, out2, p2;
        final byte[] arg1, arg2;
        final NdBuf cols1N, out1N, cols2N, out2N, flat, act3, act4, ones;
        // backward buffers, allocated on the first backward pass
        NdBuf dFlat, dAct3, dAct4, scratch3, dOut1N, dCols2N;
        float[] dOut1, dp1, dp2, dOut2;

        Work(int b) {
            batch = b;
            cols1 = new float[b * S1 * S1 * COL1];
            out1 = new float[b * S1 * S1 * C1];
            p1 = new float[b * P1 * P1 * C1];
            arg1 = new byte[p1.length];
            cols2 = new float[b * S2 * S2 * COL2];
            out2 = new float[b * S2 * S2 * C2];
            p2 = new float[b * FLAT];
            arg2 = new byte[p2.length];
            cols1N = new NdBuf((long) b * S1 * S1, COL1);
            out1N = new NdBuf((long) b * S1 * S1, C1);
            cols2N = new NdBuf((long) b * S2 * S2, COL2);
            out2N = new NdBuf((long) b * S2 * S2, C2);
            flat = new NdBuf(b, FLAT);
            act3 = new NdBuf(b, 500);
            act4 = new NdBuf(b, ModelArch.CLASSES);
            ones = Dense.ones(b);
        }

        void allocBackward() {
            if (dFlat != null) return;
            dFlat = new NdBuf(batch, FLAT);
            dAct3 = new NdBuf(batch, 500);
            dAct4 = new NdBuf(batch, ModelArch.CLASSES);
            scratch3 = new NdBuf(batch, 500);
            dOut1N = new NdBuf((long) batch * S1 * S1, C1);
            dCols2N = new NdBuf((long) batch * S2 * S2, COL2);
            dOut1 = new float[out1.length];
            dp1 = new float[p1.length];
            dp2 = new float[p2.length];
            dOut2 = new float[out2.length];
        }
    }

    @Override
    public void setParam(String name, float[] v) {
        switch (name) {
            case "conv1.weight" -> w1.put(v);
            case "conv1.bias" -> copy(v, b1);
            case "conv2.weight" -> {
                check(v, perm.length);
                // [co][ci][ky][kx] -> [co][ky][kx][ci]
                for (int co = 0; co < C2; co++)
                    for (int ci = 0; ci < C1; ci++)
                        for (int t = 0; t < COL1; t++) perm[co * COL2 + t * C1 + ci] = v[(co * C1 + ci) * COL1 + t];
                w2.put(perm);
            }
            case "conv2.bias" -> copy(v, b2);
            case "fc1.weight" -> fc1.w.put(v);
            case "fc1.bias" -> fc1.b.put(v);
            case "fc2.weight" -> fc2.w.put(v);
            case "fc2.bias" -> fc2.b.put(v);
            default -> throw new IllegalArgumentException("parameter '" + name + "' not in lenet5");
        }
    }

    @Override
    public void gradient(String name, float[] out) {
        switch (name) {
            case "conv1.weight" -> dw1.get(out);
            case "conv1.bias" -> copy(db1, out);
            case "conv2.weight" -> {
                check(out, perm.length);
                dw2.get(perm);
                for (int co = 0; co < C2; co++)
                    for (int ci = 0; ci < C1; ci++)
                        for (int t = 0; t < COL1; t++) out[(co * C1 + ci) * COL1 + t] = perm[co * COL2 + t * C1 + ci];
            }
            case "conv2.bias" -> copy(db2, out);
            case "fc1.weight" -> fc1.dw.get(out);
            case "fc1.bias" -> fc1.db.get(out);
            case "fc2.weight" -> fc2.dw.get(out);
            case "fc2.bias" -> fc2.db.get(out);
            default -> throw new IllegalArgumentException("parameter '" + name + "' not in lenet5");
        }
    }

    private static void check(float[] a, int n) {
        if (a.length != n) throw new IllegalArgumentException("expected " + n + " values, got " + a.length);
    }

    private static void copy(float[] src, float[] dst) {
        check(src, dst.length);
        System.arraycopy(src, 0, dst, 0, dst.length);
    }

    @Override
    public BatchResult run(float[] x, int[] y, int offset, int batch, boolean backward) {
        Work w = workspace(batch, Work::new);
        // conv1: im2col (rows (b, oy, ox), columns (ky, kx)), gemm, bias + 2x2 max-pool (NHWC)
        im2col1(x, offset, batch, w.cols1);
        w.cols1N.put(w.cols1, 0, w.cols1.length);
        NdBuf.gemm(w.cols1N, w1, w.out1N, false, true);
        w.out1N.get(w.out1, 0, w.out1.length);
        pool(w.out1, batch, S1, C1, b1, w.p1, w.arg1, false);
        // conv2: im2col over the NHWC map (columns (ky, kx, ci)), gemm, bias + pool into the NCHW flattening
        im2col2(w.p1, batch, w.cols2);
        w.cols2N.put(w.cols2, 0, w.cols2.length);
        NdBuf.gemm(w.cols2N, w2, w.out2N, false, true);
        w.out2N.get(w.out2, 0, w.out2.length);
        pool(w.out2, batch, S2, C2, b2, w.p2, w.arg2, true);
        w.flat.put(w.p2, 0, w.p2.length);
        fc1.forward(w.flat, w.act3, true);
        fc2.forward(w.act3, w.act4, false);
        if (!backward) return softmaxCrossEntropy(w.act4, null, y, offset, batch);

        w.allocBackward();
        BatchResult r = softmaxCrossEntropy(w.act4, w.dAct4, y, offset, batch);
        fc2.backward(w.act3, w.dAct4, w.ones, w.dAct3);
        Dense.reluBackward(w.act3, w.dAct3, w.scratch3);
        fc1.backward(w.flat, w.dAct3, w.ones, w.dFlat);
        w.dFlat.get(w.dp2, 0, w.dp2.length);
        unpool(w.dp2, w.arg2, batch, S2, C2, true, w.dOut2, db2);
        w.out2N.put(w.dOut2, 0, w.dOut2.length);               // out2N now holds dL/d(conv2 output)
        NdBuf.gemm(w.out2N, w.cols2N, dw2, true, false);
        NdBuf.gemm(w.out2N, w2, w.dCols2N, false, false);
        w.dCols2N.get(w.cols2, 0, w.cols2.length);             // cols2 now holds dL/d(columns)
        col2im2(w.cols2, batch, w.dp1);
        unpool(w.dp1, w.arg1, batch, S1, C1, false, w.dOut1, db1);
        w.dOut1N.put(w.dOut1, 0, w.dOut1.length);
        NdBuf.gemm(w.dOut1N, w.cols1N, dw1, true, false);
        return r;
    }

    private static void im2col1(float[] x, int offset, int batch, float[] cols) {
        int o = 0;
        for (int b = 0; b < batch; b++) {
            int img = (offset + b) * S0 * S0;
            for (int oy = 0; oy < S1; oy++)
                for (int ox = 0; ox < S1; ox++)
                    for (int ky = 0; ky < K; ky++) {
                        int s = img + (oy + ky) * S0 + ox;
                        cols[o] = x[s];
                        cols[o + 1] = x[s + 1];
                        cols[o + 2] = x[s + 2];
                        cols[o + 3] = x[s + 3];
                        cols[o + 4] = x[s + 4];
                        o += K;
                    }
        }
    }

    /** Columns of conv2 from the NHWC map p1: for each (ky) one contiguous run of K*C1 floats. */
    private static void im2col2(float[] p1, int batch, float[] cols) {
        int run = K * C1, o = 0;
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < S2; oy++)
                for (int ox = 0; ox < S2; ox++)
                    for (int ky = 0; ky < K; ky++, o += run)
                        System.arraycopy(p1, ((b * P1 + oy + ky) * P1 + ox) * C1, cols, o, run);
    }

    private static void col2im2(float[] dCols, int batch, float[] dp1) {
        Arrays.fill(dp1, 0f);
        int run = K * C1, o = 0;
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < S2; oy++)
                for (int ox = 0; ox < S2; ox++)
                    for (int ky = 0; ky < K; ky++, o += run) {
                        int d = ((b * P1 + oy + ky) * P1 + ox) * C1;
                        for (int t = 0; t < run; t++) dp1[d + t] += dCols[o + t];
                    }
    }

    /**
     * 2x2 max-pool of an NHWC map {@code [batch, s, s, c]} plus a per-channel bias; output NHWC, or NCHW when
     * {@code nchw}. {@code arg[o]} records which of the 4 inputs (0..3, first maximum) gave output o. Branch-free:
     * the data-dependent branches of a plain arg-max cost 5x more here.
     */
    private static void pool(float[] in, int batch, int s, int c, float[] bias, float[] out, byte[] arg, boolean nchw) {
        int h = s / 2;
        for (int b = 0; b < batch; b++)
            for (int py = 0; py < h; py++)
                for (int px = 0; px < h; px++) {
                    int i00 = ((b * s + 2 * py) * s + 2 * px) * c, i01 = i00 + c, i10 = i00 + s * c, i11 = i10 + c;
                    int o = nchw ? ((b * c) * h + py) * h + px : ((b * h + py) * h + px) * c, step = nchw ? h * h : 1;
                    for (int ch = 0; ch < c; ch++, o += step) {
                        float v0 = in[i00 + ch], v1 = in[i01 + ch], v2 = in[i10 + ch], v3 = in[i11 + ch];
                        float m01 = Math.max(v0, v1), m23 = Math.max(v2, v3);
                        int a01 = v1 > v0 ? 1 : 0, a23 = v3 > v2 ? 3 : 2;
                        arg[o] = (byte) (m23 > m01 ? a23 : a01);
                        out[o] = Math.max(m01, m23) + bias[ch];
                    }
                }
    }

    /**
     * Backward of {@link #pool}: routes each pooled gradient to its arg-max input of the NHWC map {@code [batch, s,
     * s, c]}, and sums the bias gradient per channel.
     */
    private static void unpool(float[] dOut, byte[] arg, int batch, int s, int c, boolean nchw, float[] dIn, float[] dBias) {
        Arrays.fill(dIn, 0f);
        Arrays.fill(dBias, 0f);
        int h = s / 2;
        int[] offs = {0, c, s * c, s * c + c};
        for (int b = 0; b < batch; b++)
            for (int py = 0; py < h; py++)
                for (int px = 0; px < h; px++) {
                    int i00 = ((b * s + 2 * py) * s + 2 * px) * c;
                    int o = nchw ? ((b * c) * h + py) * h + px : ((b * h + py) * h + px) * c, step = nchw ? h * h : 1;
                    for (int ch = 0; ch < c; ch++, o += step) {
                        float g = dOut[o];
                        dIn[i00 + offs[arg[o]] + ch] = g;
                        dBias[ch] += g;
                    }
                }
    }
}
