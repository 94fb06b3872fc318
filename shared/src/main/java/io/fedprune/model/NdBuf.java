package io.fedprune.model;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A preallocated float32 C-order ND4J array with a cached pointer to its native buffer, so that Java
 * {@code float[]} data move in and out by one memcpy ({@link #put}, {@link #get}) instead of element-wise ops.
 */
final class NdBuf {
    final INDArray nd;
    final long length;
    private final FloatPointer ptr;

    NdBuf(long... shape) {
        nd = Nd4j.create(DataType.FLOAT, shape);
        length = nd.length();
        ptr = new FloatPointer(nd.data().addressPointer());
    }

    /** Copies {@code len} floats from {@code src[off..]} into the start of the buffer. */
    void put(float[] src, int off, int len) {
        ptr.position(0).put(src, off, len);
    }

    /** Copies the whole buffer from {@code src}. */
    void put(float[] src) {
        if (src.length != length) throw new IllegalArgumentException("expected " + length + " values, got " + src.length);
        ptr.position(0).put(src, 0, src.length);
    }

    /** Copies the first {@code len} floats of the buffer into {@code dst[off..]}. */
    void get(float[] dst, int off, int len) {
        ptr.position(0).get(dst, off, len);
    }

    /** Copies the whole buffer into {@code dst}. */
    void get(float[] dst) {
        if (dst.length != length) throw new IllegalArgumentException("expected room for " + length + " values, got " + dst.length);
        ptr.position(0).get(dst, 0, dst.length);
    }

    /** c = op(a) * op(b) (BLAS sgemm into the preallocated output). */
    static void gemm(NdBuf a, NdBuf b, NdBuf c, boolean transA, boolean transB) {
        Nd4j.gemm(a.nd, b.nd, c.nd, transA, transB, 1.0, 0.0);
    }
}
