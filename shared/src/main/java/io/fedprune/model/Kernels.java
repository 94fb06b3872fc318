package io.fedprune.model;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The forward and backward kernel of every {@link Op}, as used by {@link Network}. Activations are Java
 * {@code float[]} of a batch, image-like values channel-last ({@code [batch, H, W, C]}) so that im2col copies
 * contiguous runs, feature vectors {@code [batch, F]}. Matrix products run as ND4J gemms on {@link NdBuf}s, or over
 * a masked weight's nonzeros ({@link SparseRows}); the rest are plain loops. A backward call writes (does not add) the input gradients; {@code dIn[i]} is null where no
 * gradient is needed.
 */
final class Kernels {

    private Kernels() {
    }

    /** One op's kernel. Buffers that depend on the batch size are kept per batch size. */
    abstract static class Kernel {
        /** Value indices read and written. */
        final int[] in;
        final int out;

        Kernel(int[] in, int out) {
            this.in = in;
            this.out = out;
        }

        abstract void forward(float[][] v, int batch);

        abstract void backward(float[][] v, float[] dOut, float[][] dIn, int batch);

        /** True if the kernel has parameters (a layer). */
        boolean hasParams() {
            return false;
        }
    }

    /**
     * A layer's kernel: parameters set and gradients read in the standard layouts, through the four copies each
     * kernel names once in its constructor ({@link #params}).
     */
    abstract static class LayerKernel extends Kernel {
        final String layer;
        private Consumer<float[]> weightIn, biasIn, weightGradientOut, biasGradientOut;

        LayerKernel(String layer, int[] in, int out) {
            super(in, out);
            this.layer = layer;
        }

        /** How the kernel takes its weight and bias and gives out their gradients (each in the standard layout). */
        final void params(Consumer<float[]> weightIn, Consumer<float[]> biasIn, Consumer<float[]> weightGradientOut,
                          Consumer<float[]> biasGradientOut) {
            this.weightIn = weightIn;
            this.biasIn = biasIn;
            this.weightGradientOut = weightGradientOut;
            this.biasGradientOut = biasGradientOut;
        }

        @Override
        boolean hasParams() {
            return true;
        }

        final void setWeight(float[] w) {
            weightIn.accept(w);
        }

        final void setBias(float[] b) {
            biasIn.accept(b);
        }

        final void weightGradient(float[] out) {
            weightGradientOut.accept(out);
        }

        final void biasGradient(float[] out) {
            biasGradientOut.accept(out);
        }
    }

    static void check(float[] a, int n) {
        if (a.length != n) throw new IllegalArgumentException("expected " + n + " values, got " + a.length);
    }

    /** Copies {@code src} into {@code dst} of the same length. */
    static void copy(float[] src, float[] dst) {
        check(src, dst.length);
        System.arraycopy(src, 0, dst, 0, dst.length);
    }

    /**
     * y = x W^T + b; W {@code [out, in]}. A dense W runs as ND4J gemms; a W with at most {@link SparseRows#MAX_DENSITY}
     * nonzeros (a masked layer) runs its forward product and input gradient over the nonzeros only
     * ({@link SparseRows}). The weight gradient is always the dense gemm: it is the
     * gradient with respect to every weight, kept or not (the straight-through estimator of DPP needs all of them).
     */
    static final class DenseK extends LayerKernel {
        final int nIn, nOut;
        final NdBuf w, b, dw, db;
        final float[] bias;
        /** The nonzeros of W; {@code sparse} true when they are what the products use. */
        private final SparseRows nonzeros;
        private final boolean mayBeSparse;
        private boolean sparse;
        private final Map<Integer, Bufs> bufs = new HashMap<>();
        /**
         * The buffers of the last backward while its bias gradient is not yet summed: db is summed from their dy when
         * first read (DPP with frozen weights never reads it), else null (db is current).
         */
        private Bufs dbPending;

        private final class Bufs {
            final NdBuf x, y, ones;
            NdBuf dy, dx;

            Bufs(int batch) {
                x = new NdBuf(batch, nIn);
                y = new NdBuf(batch, nOut);
                ones = new NdBuf(1, batch);
                ones.nd.assign(1f);
            }
        }

        DenseK(Op.Dense op, int in, int out) {
            this(op, in, out, SparseRows.MAX_DENSITY);
        }

        /** With another density bound for the sparse products (0: always the gemms). */
        DenseK(Op.Dense op, int in, int out, double maxDensity) {
            super(op.layer(), new int[]{in}, out);
            nIn = op.in();
            nOut = op.out();
            w = new NdBuf(nOut, nIn);
            dw = new NdBuf(nOut, nIn);
            b = new NdBuf(1, nOut);
            db = new NdBuf(1, nOut);
            bias = new float[nOut];
            nonzeros = new SparseRows(nOut, nIn, maxDensity);
            mayBeSparse = maxDensity > 0;
            params(this::takeWeight, this::takeBias, dw::get, this::giveBiasGradient);
        }

        private void giveBiasGradient(float[] out) {
            if (dbPending != null) {
                NdBuf.gemm(dbPending.ones, dbPending.dy, db, false, false);
                dbPending = null;
            }
            db.get(out);
        }

        private void takeWeight(float[] values) {
            check(values, nOut * nIn);
            sparse = mayBeSparse && nonzeros.set(values);
            if (!sparse) w.put(values);
        }

        private void takeBias(float[] values) {
            b.put(values);
            System.arraycopy(values, 0, bias, 0, nOut);
        }

        /** True if the last weight set runs sparse. */
        boolean sparse() {
            return sparse;
        }

        private Bufs bufs(int batch) {
            return bufs.computeIfAbsent(batch, Bufs::new);
        }

        @Override
        void forward(float[][] v, int batch) {
            if (sparse) {
                nonzeros.times(v[in[0]], batch, v[out], bias);
                return;
            }
            Bufs s = bufs(batch);
            s.x.put(v[in[0]], 0, batch * nIn);
            NdBuf.gemm(s.x, w, s.y, false, true);
            s.y.nd.addiRowVector(b.nd);
            s.y.get(v[out], 0, batch * nOut);
        }

        @Override
        void backward(float[][] v, float[] dOut, float[][] dIn, int batch) {
            Bufs s = bufs(batch);
            if (s.dy == null) {
                s.dy = new NdBuf(batch, nOut);
                s.dx = new NdBuf(batch, nIn);
            }
            if (sparse) s.x.put(v[in[0]], 0, batch * nIn);     // the sparse forward did not need it
            s.dy.put(dOut, 0, batch * nOut);
            NdBuf.gemm(s.dy, s.x, dw, true, false);
            dbPending = s;
            if (dIn[0] == null) return;
            if (sparse) {                                           // dX = dY W over the nonzeros
                nonzeros.transposed().times(dOut, batch, dIn[0], null);
                return;
            }
            NdBuf.gemm(s.dy, w, s.dx, false, false);
            s.dx.get(dIn[0], 0, batch * nIn);
        }

    }

    /**
     * 2-D convolution, group 1: im2col over the channel-last input (columns ordered {@code (ky, kx, ci)}) and one
     * gemm with the weight kept internally as {@code [cout, kh, kw, cin]}; the result is channel-last. As in
     * {@link DenseK}, a weight with at most {@link SparseRows#MAX_DENSITY} nonzeros (KERNEL, FILTER or WEIGHT masks)
     * multiplies the columns over its nonzeros only (forward and the columns' gradient); the weight gradient stays
     * the dense gemm.
     */
    static final class ConvK extends LayerKernel {
        final int cin, cout, kh, kw, sh, sw, pt, pl, h, wd, oh, ow, cols;
        final NdBuf w, dw;
        final float[] bias, dBias, perm;
        private final SparseRows nonzeros;
        private final boolean mayBeSparse;
        private boolean sparse;
        private final Map<Integer, Bufs> bufs = new HashMap<>();
        /**
         * The buffers of the last backward while its bias gradient is not yet summed: dBias is summed from their dOut
         * when first read (DPP with frozen weights never reads it), else null (dBias is current).
         */
        private Bufs dBiasPending;

        private final class Bufs {
            final float[] col;
            final NdBuf colN, outN;
            NdBuf dOutN, dColN;
            float[] dOut;                                   // dOutN read back, for the bias gradient

            Bufs(int batch) {
                long rows = (long) batch * oh * ow;
                col = new float[Math.toIntExact(rows * cols)];
                colN = new NdBuf(rows, cols);
                outN = new NdBuf(rows, cout);
            }
        }

        ConvK(Op.Conv op, int[] inShape, int in, int out) {
            this(op, inShape, in, out, SparseRows.MAX_DENSITY);
        }

        /** With another density bound for the sparse products (0: always the gemms). */
        ConvK(Op.Conv op, int[] inShape, int in, int out, double maxDensity) {
            super(op.layer(), new int[]{in}, out);
            cin = op.cin();
            cout = op.cout();
            kh = op.kh();
            kw = op.kw();
            sh = op.strideH();
            sw = op.strideW();
            int[] p = op.pads();
            pt = p[0];
            pl = p[1];
            h = inShape[1];
            wd = inShape[2];
            int[] os = op.outputShape(java.util.List.of(inShape));
            oh = os[1];
            ow = os[2];
            cols = kh * kw * cin;
            w = new NdBuf(cout, cols);
            dw = new NdBuf(cout, cols);
            bias = new float[cout];
            dBias = new float[cout];
            perm = new float[cout * cols];
            nonzeros = new SparseRows(cout, cols, maxDensity);
            mayBeSparse = maxDensity > 0;
            params(this::setPermutedWeight, v -> copy(v, bias), this::permutedWeightGradient, this::giveBiasGradient);
        }

        private void giveBiasGradient(float[] out) {
            if (dBiasPending != null) {
                Bufs s = dBiasPending;
                dBiasPending = null;
                if (s.dOut == null) s.dOut = new float[Math.toIntExact(s.dOutN.length)];
                float[] dOut = s.dOut;
                s.dOutN.get(dOut, 0, dOut.length);
                Arrays.fill(dBias, 0f);
                for (int o = 0; o < dOut.length; o += cout) for (int c = 0; c < cout; c++) dBias[c] += dOut[o + c];
            }
            copy(dBias, out);
        }

        /** True if the last weight set runs sparse. */
        boolean sparse() {
            return sparse;
        }

        private Bufs bufs(int batch) {
            return bufs.computeIfAbsent(batch, Bufs::new);
        }

        @Override
        void forward(float[][] v, int batch) {
            Bufs s = bufs(batch);
            im2col(v[in[0]], batch, s.col);
            if (sparse) {
                nonzeros.times(s.col, batch * oh * ow, v[out], bias);
                return;
            }
            s.colN.put(s.col, 0, s.col.length);
            NdBuf.gemm(s.colN, w, s.outN, false, true);
            float[] y = v[out];
            int n = batch * oh * ow * cout;
            s.outN.get(y, 0, n);
            for (int o = 0; o < n; o += cout) for (int c = 0; c < cout; c++) y[o + c] += bias[c];
        }

        /** Columns {@code [(b, oy, ox), (ky, kx, ci)]} from the channel-last input; zero where padded. */
        private void im2col(float[] x, int batch, float[] col) {
            int o = 0, run = kw * cin;
            for (int b = 0; b < batch; b++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                        for (int ky = 0; ky < kh; ky++, o += run) {
                            int iy = oy * sh - pt + ky, ix0 = ox * sw - pl;
                            if (iy < 0 || iy >= h) {
                                Arrays.fill(col, o, o + run, 0f);
                            } else if (ix0 >= 0 && ix0 + kw <= wd) {
                                System.arraycopy(x, ((b * h + iy) * wd + ix0) * cin, col, o, run);
                            } else {
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = ix0 + kx, d = o + kx * cin;
                                    if (ix < 0 || ix >= wd) Arrays.fill(col, d, d + cin, 0f);
                                    else System.arraycopy(x, ((b * h + iy) * wd + ix) * cin, col, d, cin);
                                }
                            }
                        }
        }

        /** Adds the columns' gradients back onto the channel-last input gradient (zeroed first). */
        private void col2im(float[] dCol, int batch, float[] dx) {
            Arrays.fill(dx, 0, batch * h * wd * cin, 0f);
            int o = 0, run = kw * cin;
            for (int b = 0; b < batch; b++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                        for (int ky = 0; ky < kh; ky++, o += run) {
                            int iy = oy * sh - pt + ky, ix0 = ox * sw - pl;
                            if (iy < 0 || iy >= h) continue;
                            for (int kx = 0; kx < kw; kx++) {
                                int ix = ix0 + kx;
                                if (ix < 0 || ix >= wd) continue;
                                int d = ((b * h + iy) * wd + ix) * cin, s = o + kx * cin;
                                for (int c = 0; c < cin; c++) dx[d + c] += dCol[s + c];
                            }
                        }
        }

        @Override
        void backward(float[][] v, float[] dOut, float[][] dIn, int batch) {
            Bufs s = bufs(batch);
            long rows = (long) batch * oh * ow;
            if (s.dOutN == null) s.dOutN = new NdBuf(rows, cout);
            int n = Math.toIntExact(rows * cout);
            s.dOutN.put(dOut, 0, n);
            dBiasPending = s;
            if (sparse) s.colN.put(s.col, 0, s.col.length);          // the sparse forward did not need it
            NdBuf.gemm(s.dOutN, s.colN, dw, true, false);
            if (dIn[0] == null) return;
            if (sparse) {                                               // dCol = dOut W over the nonzeros
                nonzeros.transposed().times(dOut, Math.toIntExact(rows), s.col, null);
            } else {
                if (s.dColN == null) s.dColN = new NdBuf(rows, cols);
                NdBuf.gemm(s.dOutN, w, s.dColN, false, false);
                s.dColN.get(s.col, 0, s.col.length);
            }
            col2im(s.col, batch, dIn[0]);                               // col holds dL/d(columns)
            s.colN.get(s.col, 0, s.col.length);                         // restore the columns
        }

        /** Takes a weight {@code [cout, cin, kh, kw]} into the internal {@code [cout, kh, kw, cin]}. */
        private void setPermutedWeight(float[] v) {
            check(v, perm.length);
            int k = kh * kw;
            // [co][ci][ky][kx] -> [co][ky][kx][ci]
            for (int co = 0; co < cout; co++)
                for (int ci = 0; ci < cin; ci++)
                    for (int t = 0; t < k; t++) perm[co * cols + t * cin + ci] = v[(co * cin + ci) * k + t];
            sparse = mayBeSparse && nonzeros.set(perm);
            if (!sparse) w.put(perm);
        }

        /** Gives out the weight gradient in the standard layout {@code [cout, cin, kh, kw]}. */
        private void permutedWeightGradient(float[] o) {
            check(o, perm.length);
            dw.get(perm);
            int k = kh * kw;
            for (int co = 0; co < cout; co++)
                for (int ci = 0; ci < cin; ci++)
                    for (int t = 0; t < k; t++) o[(co * cin + ci) * k + t] = perm[co * cols + t * cin + ci];
        }
    }

    /** Depthwise convolution (group = input channels, {@code mult} outputs per channel) as direct loops. */
    static final class DepthwiseK extends LayerKernel {
        final int cin, cout, mult, kh, kw, sh, sw, pt, pl, h, wd, oh, ow;
        final float[] w, b, dw, db;

        DepthwiseK(Op.Conv op, int[] inShape, int in, int out) {
            super(op.layer(), new int[]{in}, out);
            cin = op.cin();
            cout = op.cout();
            mult = cout / cin;
            kh = op.kh();
            kw = op.kw();
            sh = op.strideH();
            sw = op.strideW();
            pt = op.pads()[0];
            pl = op.pads()[1];
            h = inShape[1];
            wd = inShape[2];
            int[] os = op.outputShape(java.util.List.of(inShape));
            oh = os[1];
            ow = os[2];
            w = new float[cout * kh * kw];
            dw = new float[w.length];
            b = new float[cout];
            db = new float[cout];
            params(v -> copy(v, w), v -> copy(v, b), o -> copy(dw, o), o -> copy(db, o));
        }

        @Override
        void forward(float[][] v, int batch) {
            float[] x = v[in[0]], y = v[out];
            for (int bi = 0; bi < batch; bi++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        int o = ((bi * oh + oy) * ow + ox) * cout;
                        for (int co = 0; co < cout; co++) {
                            int ci = co / mult;
                            float s = 0;
                            for (int ky = 0; ky < kh; ky++) {
                                int iy = oy * sh - pt + ky;
                                if (iy < 0 || iy >= h) continue;
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = ox * sw - pl + kx;
                                    if (ix < 0 || ix >= wd) continue;
                                    s += x[((bi * h + iy) * wd + ix) * cin + ci] * w[(co * kh + ky) * kw + kx];
                                }
                            }
                            y[o + co] = s + b[co];
                        }
                    }
        }

        @Override
        void backward(float[][] v, float[] dOut, float[][] dIn, int batch) {
            float[] x = v[in[0]], dx = dIn[0];
            Arrays.fill(dw, 0f);
            Arrays.fill(db, 0f);
            if (dx != null) Arrays.fill(dx, 0, batch * h * wd * cin, 0f);
            for (int bi = 0; bi < batch; bi++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        int o = ((bi * oh + oy) * ow + ox) * cout;
                        for (int co = 0; co < cout; co++) {
                            float g = dOut[o + co];
                            int ci = co / mult;
                            db[co] += g;
                            for (int ky = 0; ky < kh; ky++) {
                                int iy = oy * sh - pt + ky;
                                if (iy < 0 || iy >= h) continue;
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = ox * sw - pl + kx;
                                    if (ix < 0 || ix >= wd) continue;
                                    int xi = ((bi * h + iy) * wd + ix) * cin + ci, wi = (co * kh + ky) * kw + kx;
                                    dw[wi] += g * x[xi];
                                    if (dx != null) dx[xi] += g * w[wi];
                                }
                            }
                        }
                    }
        }

    }

    /**
     * Element-wise activation; the backward pass reads the input (LeakyReLU, Clip) or the output. ReLU, LeakyReLU
     * and the clip's backward run {@link ElementWise}'s branch-free loops.
     */
    static final class ActK extends Kernel {
        final Op.Activation op;
        final int size;

        ActK(Op.Activation op, int size, int in, int out) {
            super(new int[]{in}, out);
            this.op = op;
            this.size = size;
        }

        @Override
        void forward(float[][] v, int batch) {
            float[] x = v[in[0]], y = v[out];
            int n = batch * size;
            float a = op.alpha(), lo = op.min(), hi = op.max();
            switch (op.fn()) {
                case RELU -> ElementWise.LOOPS.relu(x, y, n);
                case LEAKY_RELU -> ElementWise.LOOPS.leakyRelu(x, a, y, n);
                case SIGMOID -> { for (int i = 0; i < n; i++) y[i] = (float) (1 / (1 + Math.exp(-x[i]))); }
                case TANH -> { for (int i = 0; i < n; i++) y[i] = (float) Math.tanh(x[i]); }
                case CLIP -> { for (int i = 0; i < n; i++) y[i] = Math.min(Math.max(x[i], lo), hi); }
            }
        }

        @Override
        void backward(float[][] v, float[] d, float[][] dIn, int batch) {
            float[] x = v[in[0]], y = v[out], dx = dIn[0];
            int n = batch * size;
            float a = op.alpha(), lo = op.min(), hi = op.max();
            switch (op.fn()) {
                case RELU -> ElementWise.LOOPS.reluBackward(y, d, dx, n);
                case LEAKY_RELU -> ElementWise.LOOPS.leakyReluBackward(x, a, d, dx, n);
                case SIGMOID -> { for (int i = 0; i < n; i++) dx[i] = d[i] * y[i] * (1 - y[i]); }
                case TANH -> { for (int i = 0; i < n; i++) dx[i] = d[i] * (1 - y[i] * y[i]); }
                case CLIP -> ElementWise.LOOPS.clipBackward(x, lo, hi, d, dx, n);
            }
        }
    }

    /** Max or average pooling over channel-last maps. */
    static final class PoolK extends Kernel {
        final Op.Pool op;
        final int c, h, wd, oh, ow, kh, kw, sh, sw, pt, pl;
        private final Map<Integer, int[]> args = new HashMap<>();

        PoolK(Op.Pool op, int[] inShape, int in, int out) {
            super(new int[]{in}, out);
            this.op = op;
            c = inShape[0];
            h = inShape[1];
            wd = inShape[2];
            int[] os = op.outputShape(java.util.List.of(inShape));
            oh = os[1];
            ow = os[2];
            kh = op.kh();
            kw = op.kw();
            sh = op.strideH();
            sw = op.strideW();
            pt = op.pads()[0];
            pl = op.pads()[1];
        }

        /** Number of window cells inside the input (the average's divisor without padding). */
        private int inside(int oy, int ox) {
            int y0 = Math.max(0, oy * sh - pt), y1 = Math.min(h, oy * sh - pt + kh);
            int x0 = Math.max(0, ox * sw - pl), x1 = Math.min(wd, ox * sw - pl + kw);
            return (y1 - y0) * (x1 - x0);
        }

        /** The average's divisor: the window inside the padded input, or only its part inside the input. */
        private int divisor(int oy, int ox) {
            if (!op.countIncludePad()) return inside(oy, ox);
            int[] p = op.pads();
            int y1 = Math.min(h + p[2], oy * sh - pt + kh), x1 = Math.min(wd + p[3], ox * sw - pl + kw);
            return (y1 - (oy * sh - pt)) * (x1 - (ox * sw - pl));
        }

        @Override
        void forward(float[][] v, int batch) {
            float[] x = v[in[0]], y = v[out];
            int[] arg = op.max() ? args.computeIfAbsent(batch, b -> new int[b * oh * ow * c]) : null;
            for (int b = 0; b < batch; b++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        int o = ((b * oh + oy) * ow + ox) * c;
                        int y0 = Math.max(0, oy * sh - pt), y1 = Math.min(h, oy * sh - pt + kh);
                        int x0 = Math.max(0, ox * sw - pl), x1 = Math.min(wd, ox * sw - pl + kw);
                        if (op.max()) {
                            for (int ch = 0; ch < c; ch++) {
                                float m = Float.NEGATIVE_INFINITY;
                                int a = -1;
                                for (int iy = y0; iy < y1; iy++)
                                    for (int ix = x0; ix < x1; ix++) {
                                        int i = ((b * h + iy) * wd + ix) * c + ch;
                                        if (a < 0 || x[i] > m) {
                                            m = x[i];
                                            a = i;
                                        }
                                    }
                                y[o + ch] = m;
                                arg[o + ch] = a;
                            }
                        } else {
                            float inv = 1f / divisor(oy, ox);
                            for (int ch = 0; ch < c; ch++) {
                                float s = 0;
                                for (int iy = y0; iy < y1; iy++)
                                    for (int ix = x0; ix < x1; ix++) s += x[((b * h + iy) * wd + ix) * c + ch];
                                y[o + ch] = s * inv;
                            }
                        }
                    }
        }

        @Override
        void backward(float[][] v, float[] d, float[][] dIn, int batch) {
            float[] dx = dIn[0];
            Arrays.fill(dx, 0, batch * h * wd * c, 0f);
            int n = batch * oh * ow * c;
            if (op.max()) {
                int[] arg = args.get(batch);
                for (int o = 0; o < n; o++) dx[arg[o]] += d[o];
                return;
            }
            for (int b = 0; b < batch; b++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        int o = ((b * oh + oy) * ow + ox) * c;
                        int y0 = Math.max(0, oy * sh - pt), y1 = Math.min(h, oy * sh - pt + kh);
                        int x0 = Math.max(0, ox * sw - pl), x1 = Math.min(wd, ox * sw - pl + kw);
                        float inv = 1f / divisor(oy, ox);
                        for (int iy = y0; iy < y1; iy++)
                            for (int ix = x0; ix < x1; ix++) {
                                int i = ((b * h + iy) * wd + ix) * c;
                                for (int ch = 0; ch < c; ch++) dx[i + ch] += d[o + ch] * inv;
                            }
                    }
        }
    }

    /** Mean over each channel's map: {@code [b, H, W, C] -> [b, 1, 1, C]}. */
    static final class GlobalAvgK extends Kernel {
        final int c, hw;

        GlobalAvgK(int[] inShape, int in, int out) {
            super(new int[]{in}, out);
            c = inShape[0];
            hw = inShape[1] * inShape[2];
        }

        @Override
        void forward(float[][] v, int batch) {
            float[] x = v[in[0]], y = v[out];
            float inv = 1f / hw;
            for (int b = 0; b < batch; b++)
                for (int ch = 0; ch < c; ch++) {
                    float s = 0;
                    for (int p = 0; p < hw; p++) s += x[(b * hw + p) * c + ch];
                    y[b * c + ch] = s * inv;
                }
        }

        @Override
        void backward(float[][] v, float[] d, float[][] dIn, int batch) {
            float[] dx = dIn[0];
            float inv = 1f / hw;
            for (int b = 0; b < batch; b++)
                for (int p = 0; p < hw; p++)
                    for (int ch = 0; ch < c; ch++) dx[(b * hw + p) * c + ch] = d[b * c + ch] * inv;
        }
    }

    /** Fixed per-channel affine map (channel = last dimension of the stored layout). */
    static final class AffineK extends Kernel {
        final float[] scale, shift;
        final int per;

        AffineK(Op.ChannelAffine op, int size, int in, int out) {
            super(new int[]{in}, out);
            scale = op.scale();
            shift = op.shift();
            per = size;
        }

        @Override
        void forward(float[][] v, int batch) {
            float[] x = v[in[0]], y = v[out];
            int c = scale.length, n = batch * per;
            for (int i = 0; i < n; i += c) for (int ch = 0; ch < c; ch++) y[i + ch] = x[i + ch] * scale[ch] + shift[ch];
        }

        @Override
        void backward(float[][] v, float[] d, float[][] dIn, int batch) {
            float[] dx = dIn[0];
            int c = scale.length, n = batch * per;
            for (int i = 0; i < n; i += c) for (int ch = 0; ch < c; ch++) dx[i + ch] = d[i + ch] * scale[ch];
        }
    }

    /** Element-wise sum of two values. */
    static final class AddK extends Kernel {
        final int size;

        AddK(int size, int a, int b, int out) {
            super(new int[]{a, b}, out);
            this.size = size;
        }

        @Override
        void forward(float[][] v, int batch) {
            float[] a = v[in[0]], b = v[in[1]], y = v[out];
            for (int i = 0, n = batch * size; i < n; i++) y[i] = a[i] + b[i];
        }

        @Override
        void backward(float[][] v, float[] d, float[][] dIn, int batch) {
            for (float[] dx : dIn) if (dx != null) System.arraycopy(d, 0, dx, 0, batch * size);
        }
    }

    /**
     * Channel-last {@code [b, H, W, C]} to channel-major features {@code [b, C*H*W]} (ONNX's order); a plain copy
     * when {@code C = 1} or {@code H = W = 1} or the input is already a vector.
     */
    static final class FlattenK extends Kernel {
        final int c, hw;

        FlattenK(int[] inShape, int in, int out) {
            super(new int[]{in}, out);
            if (inShape.length == 3) {
                c = inShape[0];
                hw = inShape[1] * inShape[2];
            } else {
                c = 1;
                hw = inShape[0];
            }
        }

        @Override
        void forward(float[][] v, int batch) {
            permute(v[in[0]], v[out], batch, true);
        }

        @Override
        void backward(float[][] v, float[] d, float[][] dIn, int batch) {
            permute(d, dIn[0], batch, false);
        }

        private void permute(float[] src, float[] dst, int batch, boolean toChannelMajor) {
            int f = c * hw;
            if (c == 1 || hw == 1) {
                System.arraycopy(src, 0, dst, 0, batch * f);
                return;
            }
            for (int b = 0; b < batch; b++)
                for (int p = 0; p < hw; p++)
                    for (int ch = 0; ch < c; ch++) {
                        int last = b * f + p * c + ch, major = b * f + ch * hw + p;
                        if (toChannelMajor) dst[major] = src[last];
                        else dst[last] = src[major];
                    }
        }
    }
}
