package io.fedprune.model;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sparse product of masked Dense and Conv layers against a double-precision reference and against the dense gemm
 * path of the same kernel; the vector and scalar loops bit for bit.
 */
class SparseRowsTest {
    static final int ROWS = 30, COLS = 77;                 // 77: not a multiple of any vector length
    static final int[] BATCHES = {1, 3, 8, 13, 32, 37};
    static final double[] DENSITIES = {0, 0.02, 0.1, 0.25, 0.29};

    /** A weight with about {@code density} nonzeros per row at random places, rows 0 and 7 empty, one -0.0. */
    static float[] masked(int rows, int cols, double density, Random r) {
        float[] w = new float[rows * cols];
        int k = (int) Math.round(density * cols);
        for (int j = 0; j < rows; j++) {
            if (j == 0 || j == 7) continue;
            for (int t = 0; t < k; t++) {
                int i;
                do i = r.nextInt(cols); while (w[j * cols + i] != 0f);
                w[j * cols + i] = (float) r.nextGaussian();
            }
        }
        w[3 * cols + 5] = w[3 * cols + 5] == 0f ? -0f : w[3 * cols + 5];
        return w;
    }

    static float[] gaussian(int n, Random r) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    /** {@code y[b, j] = sum_i w[j, i] x[b, i] + bias[j]} in double, and the sum of the terms' magnitudes. */
    static double[][] reference(float[] w, int rows, int cols, float[] x, int batch, float[] bias) {
        double[][] out = new double[2][batch * rows];
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < rows; j++) {
                double s = bias == null ? 0 : bias[j], m = Math.abs(s);
                for (int i = 0; i < cols; i++) {
                    s += (double) w[j * cols + i] * x[b * cols + i];
                    m += Math.abs((double) w[j * cols + i] * x[b * cols + i]);
                }
                out[0][b * rows + j] = s;
                out[1][b * rows + j] = m;
            }
        return out;
    }

    static void assertClose(double[][] ref, float[] actual, String what) {
        for (int i = 0; i < ref[0].length; i++)
            assertEquals(ref[0][i], actual[i], 1e-6 * ref[1][i] + 1e-30, what + " at " + i);
    }

    @Test
    void productAndTransposeMatchADoubleReference() {
        Random r = new Random(1);
        for (double d : DENSITIES) {
            float[] w = masked(ROWS, COLS, d, r), bias = gaussian(ROWS, r);
            SparseRows m = new SparseRows(ROWS, COLS, 0.3);
            assertTrue(m.set(w));
            int nnz = 0;
            for (float v : w) nnz += v != 0f ? 1 : 0;
            assertEquals(nnz, m.nonzeros());
            float[] wt = new float[w.length];                // the transpose, by hand
            for (int j = 0; j < ROWS; j++) for (int i = 0; i < COLS; i++) wt[i * ROWS + j] = w[j * COLS + i];
            for (int batch : BATCHES) {
                float[] x = gaussian(batch * COLS, r), y = new float[batch * ROWS];
                m.times(x, batch, y, bias);
                assertClose(reference(w, ROWS, COLS, x, batch, bias), y, "density " + d + " batch " + batch);
                float[] g = gaussian(batch * ROWS, r), dx = new float[batch * COLS];
                m.transposed().times(g, batch, dx, null);
                assertClose(reference(wt, COLS, ROWS, g, batch, null), dx, "transposed, density " + d + " batch " + batch);
            }
        }
    }

    @Test
    void vectorAndScalarLoopsGiveTheSameBits() {
        assertNotSame(SparseRows.SCALAR, SparseRows.PRODUCT, "tests run with --add-modules jdk.incubator.vector");
        Random r = new Random(2);
        for (double d : DENSITIES) {
            for (int cols : new int[]{5, COLS, 784}) {
                float[] w = masked(ROWS, cols, d, r), bias = gaussian(ROWS, r);
                SparseRows m = new SparseRows(ROWS, cols, 0.3);
                assertTrue(m.set(w));
                for (int batch : BATCHES) {
                    float[] x = gaussian(batch * cols, r), v = new float[batch * ROWS], s = new float[batch * ROWS];
                    SparseRows.PRODUCT.times(m, x, batch, v, bias);
                    SparseRows.SCALAR.times(m, x, batch, s, bias);
                    for (int i = 0; i < v.length; i++)
                        assertEquals(Float.floatToRawIntBits(s[i]), Float.floatToRawIntBits(v[i]), "density " + d + " cols " + cols + " batch " + batch + " at " + i);
                }
            }
        }
    }

    @Test
    void vectorAndScalarScansFindTheSameNonzeros() {
        assertNotSame(SparseRows.SCALAR, SparseRows.PRODUCT, "tests run with --add-modules jdk.incubator.vector");
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                -Float.MIN_VALUE, Float.MIN_NORMAL, 1f, -2.5f};
        Random r = new Random(5);
        for (int len = 0; len <= 41; len++) {
            for (double d : new double[]{0, 0.1, 0.25, 0.5, 1}) {
                int from = r.nextInt(9), n0 = r.nextInt(5);
                float[] w = new float[from + len];
                for (int c = 0; c < len; c++)
                    w[from + c] = r.nextDouble() >= d ? (r.nextBoolean() ? 0f : -0f)
                            : r.nextInt(4) == 0 ? special[r.nextInt(special.length)] : (float) r.nextGaussian();
                int[] vi = new int[n0 + len], si = new int[n0 + len];
                float[] vv = new float[n0 + len], sv = new float[n0 + len];
                int vn = SparseRows.PRODUCT.compact(w, from, len, vi, vv, n0);
                int sn = SparseRows.SCALAR.compact(w, from, len, si, sv, n0);
                int nonzero = n0;
                for (int c = 0; c < len; c++) nonzero += (Float.floatToRawIntBits(w[from + c]) & 0x7fffffff) != 0 ? 1 : 0;
                assertEquals(nonzero, sn, "scalar count, len " + len);
                assertEquals(sn, vn, "len " + len + " density " + d);
                for (int t = n0; t < sn; t++) {
                    assertEquals(si[t], vi[t], "index " + t + ", len " + len);
                    assertEquals(Float.floatToRawIntBits(sv[t]), Float.floatToRawIntBits(vv[t]), "value " + t + ", len " + len);
                    assertEquals(Float.floatToRawIntBits(w[from + si[t]]), Float.floatToRawIntBits(sv[t]), "scalar value " + t);
                }
            }
        }
    }

    @Test
    void setRefusesAMatrixDenserThanTheBound() {
        Random r = new Random(3);
        SparseRows m = new SparseRows(ROWS, COLS, 0.3);
        assertFalse(m.set(gaussian(ROWS * COLS, r)), "dense");
        assertFalse(m.set(masked(ROWS, COLS, 0.4, r)), "40% per row");
        assertTrue(m.set(masked(ROWS, COLS, 0.29, r)));
        SparseRows big = new SparseRows(300, 784, 0.3);         // large enough for the sample's early answer
        assertFalse(big.set(gaussian(300 * 784, r)));
        assertFalse(big.set(masked(300, 784, 0.35, r)));
        assertTrue(big.set(masked(300, 784, 0.25, r)));
    }

    /** The Dense kernel's sparse forward and backward against its gemm path on the same masked weight. */
    @Test
    void denseKernelGivesTheGemmResultsOnMaskedWeights() {
        Random r = new Random(4);
        Op.Dense op = new Op.Dense("fc", "in", "out", COLS, ROWS);
        for (double d : DENSITIES) {
            Kernels.DenseK sparse = new Kernels.DenseK(op, 0, 1), dense = new Kernels.DenseK(op, 0, 1, 0);
            float[] w = masked(ROWS, COLS, d, r), bias = gaussian(ROWS, r);
            for (Kernels.DenseK k : new Kernels.DenseK[]{sparse, dense}) {
                k.setWeight(w);
                k.setBias(bias);
            }
            assertTrue(sparse.sparse());
            assertFalse(dense.sparse());
            for (int batch : BATCHES) {
                float[] x = gaussian(batch * COLS, r), dOut = gaussian(batch * ROWS, r);
                float[][] vs = {x.clone(), new float[batch * ROWS]}, vd = {x.clone(), new float[batch * ROWS]};
                sparse.forward(vs, batch);
                dense.forward(vd, batch);
                double[][] ref = reference(w, ROWS, COLS, x, batch, bias);
                assertClose(ref, vs[1], "sparse forward, density " + d + " batch " + batch);
                assertClose(ref, vd[1], "gemm forward, density " + d + " batch " + batch);
                float[][] ds = {new float[batch * COLS]}, dd = {new float[batch * COLS]};
                sparse.backward(vs, dOut, ds, batch);
                dense.backward(vd, dOut, dd, batch);
                assertArrayEquals(dd[0], ds[0], 1e-5f, "input gradient, density " + d + " batch " + batch);
                float[] gs = assertSameParameterGradients(sparse, dense, w.length, ROWS);
                long dropped = 0;
                for (int i = 0; i < w.length; i++) dropped += w[i] == 0f && gs[i] != 0f ? 1 : 0;
                assertTrue(dropped > 0, "masked weights get gradients too");
            }
        }
    }

    /** The convolution kernel's sparse forward and backward against its gemm path, whole (ky, kx) kernels masked. */
    @Test
    void convKernelGivesTheGemmResultsOnKernelMaskedWeights() {
        Random r = new Random(5);
        int cin = 6, cout = 9, side = 7, k = 9, pairs = cout * cin;
        Op.Conv op = new Op.Conv("conv", "in", "out", cin, cout, 3, 3, 1, 1, new int[]{1, 1, 1, 1}, 1);
        int[] inShape = {cin, side, side};
        for (double keep : new double[]{0, 0.1, 0.25}) {
            Kernels.ConvK sparse = new Kernels.ConvK(op, inShape, 0, 1), dense = new Kernels.ConvK(op, inShape, 0, 1, 0);
            float[] w = new float[pairs * k];                       // [cout, cin, 3, 3]
            int[] order = java.util.stream.IntStream.range(0, pairs).toArray();
            for (int i = pairs - 1; i > 0; i--) {
                int j = r.nextInt(i + 1), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int p = 0; p < Math.round(keep * pairs); p++)
                for (int t = 0; t < k; t++) w[order[p] * k + t] = (float) r.nextGaussian();
            float[] bias = gaussian(cout, r);
            for (Kernels.ConvK c : new Kernels.ConvK[]{sparse, dense}) {
                c.setWeight(w);
                c.setBias(bias);
            }
            assertTrue(sparse.sparse(), "keep " + keep);
            assertFalse(dense.sparse());
            for (int batch : new int[]{1, 3, 8}) {
                float[] x = gaussian(batch * side * side * cin, r), dOut = gaussian(batch * side * side * cout, r);
                float[][] vs = {x.clone(), new float[dOut.length]}, vd = {x.clone(), new float[dOut.length]};
                sparse.forward(vs, batch);
                dense.forward(vd, batch);
                for (int i = 0; i < dOut.length; i++)
                    assertEquals(vd[1][i], vs[1][i], 1e-5 * (1 + Math.abs(vd[1][i])), "forward, keep " + keep + " batch " + batch + " at " + i);
                float[][] ds = {new float[x.length]}, dd = {new float[x.length]};
                sparse.backward(vs, dOut, ds, batch);
                dense.backward(vd, dOut, dd, batch);
                for (int i = 0; i < x.length; i++)
                    assertEquals(dd[0][i], ds[0][i], 1e-5 * (1 + Math.abs(dd[0][i])), "input gradient, keep " + keep + " batch " + batch + " at " + i);
                assertSameParameterGradients(sparse, dense, w.length, cout);
            }
        }
    }

    /** The weight and bias gradients of both kernels are the same bits (both the dense gemm); returns the weight's. */
    static float[] assertSameParameterGradients(Kernels.LayerKernel sparse, Kernels.LayerKernel dense, int weights, int biases) {
        float[] gs = new float[weights], gd = new float[weights], bs = new float[biases], bd = new float[biases];
        sparse.weightGradient(gs);
        dense.weightGradient(gd);
        sparse.biasGradient(bs);
        dense.biasGradient(bd);
        assertArrayEquals(gd, gs, "weight gradient: the same gemm, every weight");
        assertArrayEquals(bd, bs);
        return gs;
    }
}
