package io.fedprune.wire;

import io.fedprune.model.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Converts {@link Tensor}s to {@link EncodedTensor}s and back.
 *
 * <ul>
 *   <li>{@link TensorEncoding#FLOAT32}: exact, 32 bits per parameter.</li>
 *   <li>{@link TensorEncoding#FLOAT16}: IEEE half, round to nearest even; relative error at most 2^-11 for
 *       |x| in [2^-14, 65504]; values beyond 65504 are refused. 16 bits per parameter.</li>
 *   <li>{@link TensorEncoding#INT8}: symmetric per-group quantisation of consecutive elements (row-major):
 *       {@code scale = max|x| / 127} per group, {@code q = round(x / scale)} in [-127, 127]; the error per
 *       element is at most {@code scale / 2}. {@code 8 + 32 / groupSize} bits per parameter (the float32 scales
 *       are counted).</li>
 * </ul>
 * Non-finite inputs are refused with {@link InvalidMessageException} ({@link RejectReason#NON_FINITE}).
 */
public final class TensorCodec {
    /** Default INT8 group size: 64 consecutive elements share one scale (8.5 bits per parameter). */
    public static final int DEFAULT_GROUP_SIZE = 64;

    private TensorCodec() {
    }

    /** Encodes with the given encoding ({@link #DEFAULT_GROUP_SIZE} for INT8). */
    public static EncodedTensor encode(Tensor t, TensorEncoding encoding) {
        return encode(t, encoding, DEFAULT_GROUP_SIZE);
    }

    /** Encodes with the given encoding; {@code groupSize} ({@code >= 1}) is used for INT8 only. */
    public static EncodedTensor encode(Tensor t, TensorEncoding encoding, int groupSize) {
        int n = t.size();
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(t.get(i))) {
                throw new InvalidMessageException(RejectReason.NON_FINITE, "tensor '" + t.name() + "' element " + i + " is " + t.get(i));
            }
        }
        return switch (encoding) {
            case FLOAT32 -> {
                ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(t.data());
                yield new EncodedTensor(t.name(), DType.FLOAT32, t.shape(), b.array(), 0, null);
            }
            case FLOAT16 -> {
                ByteBuffer b = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < n; i++) {
                    float v = t.get(i);
                    if (Math.abs(v) > Float16.MAX) {
                        throw new InvalidMessageException(RejectReason.OVERSIZE, "tensor '" + t.name() + "' element " + i + " = " + v
                                + " is beyond the float16 range (+-65504)");
                    }
                    b.putShort(Float16.fromFloat(v));
                }
                yield new EncodedTensor(t.name(), DType.FLOAT16, t.shape(), b.array(), 0, null);
            }
            case INT8 -> encodeInt8(t, groupSize);
        };
    }

    private static EncodedTensor encodeInt8(Tensor t, int groupSize) {
        if (groupSize < 1) throw new IllegalArgumentException("int8 group size must be >= 1, was " + groupSize);
        int n = t.size();
        int groups = (int) ((n + (long) groupSize - 1) / groupSize);
        byte[] q = new byte[n];
        float[] scales = new float[groups];
        for (int g = 0; g < groups; g++) {
            int from = g * groupSize;
            int to = Math.min(n, from + groupSize);
            float max = 0;
            for (int i = from; i < to; i++) max = Math.max(max, Math.abs(t.get(i)));
            float scale = max / 127f;
            scales[g] = scale;
            if (scale == 0) continue;
            for (int i = from; i < to; i++) {
                q[i] = (byte) Math.max(-127, Math.min(127, Math.round(t.get(i) / scale)));
            }
        }
        return new EncodedTensor(t.name(), DType.INT8, t.shape(), q, groupSize, scales);
    }

    /** Decodes any dtype to float32 values (integers are converted exactly where float32 can hold them). */
    public static Tensor decode(EncodedTensor e) {
        ByteBuffer b = e.dataView();
        int n = (int) e.elementCount();
        float[] out = new float[n];
        switch (e.dtype()) {
            case FLOAT32 -> b.asFloatBuffer().get(out);
            case FLOAT16 -> {
                for (int i = 0; i < n; i++) out[i] = Float16.toFloat(b.getShort(2 * i));
            }
            case INT8 -> {
                float[] scales = e.scales();
                int g = e.groupSize();
                for (int i = 0; i < n; i++) out[i] = b.get(i) * scales[i / g];
            }
            case INT32 -> {
                for (int i = 0; i < n; i++) out[i] = b.getInt(4 * i);
            }
            case UINT8 -> {
                for (int i = 0; i < n; i++) out[i] = b.get(i) & 0xff;
            }
        }
        return new Tensor(e.name(), e.shape(), out);
    }

    /** Encodes every tensor with the same encoding and group size. */
    public static List<EncodedTensor> encodeAll(Collection<Tensor> tensors, TensorEncoding encoding, int groupSize) {
        List<EncodedTensor> out = new ArrayList<>(tensors.size());
        for (Tensor t : tensors) out.add(encode(t, encoding, groupSize));
        return List.copyOf(out);
    }

    /** Decodes every tensor. */
    public static List<Tensor> decodeAll(Collection<EncodedTensor> tensors) {
        List<Tensor> out = new ArrayList<>(tensors.size());
        for (EncodedTensor t : tensors) out.add(decode(t));
        return List.copyOf(out);
    }

    /** An INT32 tensor (e.g. kept indices). */
    public static EncodedTensor int32(String name, int[] shape, int[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return new EncodedTensor(name, DType.INT32, shape, b.array(), 0, null);
    }

    /**
     * Payload bits per parameter actually sent for these tensors: all data bytes plus 4 bytes per int8 scale, times
     * 8, over the number of elements (names, shapes and framing excluded). 0 when there are no elements.
     */
    public static double bitsPerParameter(Collection<EncodedTensor> tensors) {
        long bytes = 0;
        long params = 0;
        for (EncodedTensor t : tensors) {
            bytes += t.payloadBytes();
            params += t.elementCount();
        }
        return params == 0 ? 0 : 8.0 * bytes / params;
    }
}
