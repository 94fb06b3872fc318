package io.fedprune.wire;

import io.fedprune.fuse.RowRanks;
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
 *   <li>{@link TensorEncoding#MASK}: a 0/1 tensor (the caller passes the mask; {@link #encodeAll} of logits does not
 *       make it) as {@link DType#MASK_RICE}: a 1-byte Rice parameter r, the number of ones (uint32 LE), then per one
 *       the gap of zeros before it, {@code q = gap >> r} as q one-bits and a zero-bit, then the r low bits of the gap
 *       (bits most significant first, bytes filled from the top bit, the last byte padded with zeros). r is chosen
 *       to minimise the length: within a few percent of the entropy of a random mask of that density, so at most
 *       1 bit per parameter for densities up to about 30%.</li>
 * </ul>
 * Non-finite inputs are refused with {@link InvalidMessageException} ({@link RejectReason#NON_FINITE}).
 *
 * <p>A float tensor may carry <b>row ranks</b> ({@link #withRowRanks}): per element, twice its rank in its row (ties
 * averaged: {@link RowRanks}), taken of the values as {@link #decode} returns them (so INT8's and FLOAT16's rounding, and
 * the ties it makes, are those the coordinator sees). 16 bits per parameter; the coordinator's rank fusion folds them in
 * one streaming pass with the logits instead of sorting every row.
 */
public final class TensorCodec {
    /** Default INT8 group size: 64 consecutive elements share one scale (8.5 bits per parameter). */
    public static final int DEFAULT_GROUP_SIZE = 64;
    /** Bytes before the bits of a {@link DType#MASK_RICE} tensor: the Rice parameter and the number of ones. */
    public static final int MASK_HEADER_BYTES = 5;

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
            case MASK -> encodeMask(t);
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

    private static EncodedTensor encodeMask(Tensor t) {
        int n = t.size(), ones = 0;
        for (int i = 0; i < n; i++) {
            float v = t.get(i);
            if (v != 0f && v != 1f) throw new IllegalArgumentException("tensor '" + t.name() + "' element " + i + " = " + v + " is not 0 or 1");
            if (v == 1f) ones++;
        }
        int[] gaps = new int[ones];
        for (int i = 0, j = 0, last = -1; i < n; i++) if (t.get(i) == 1f) {
            gaps[j++] = i - last - 1;
            last = i;
        }
        int best = 0;
        long bestBits = Long.MAX_VALUE;
        for (int r = 0; r < 31; r++) {
            long bits = 0;
            for (int g : gaps) bits += (g >>> r) + 1 + r;
            if (bits < bestBits) {
                bestBits = bits;
                best = r;
            }
        }
        byte[] out = new byte[MASK_HEADER_BYTES + (int) ((bestBits + 7) / 8)];
        out[0] = (byte) best;
        ByteBuffer.wrap(out, 1, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(ones);
        long pos = 8L * MASK_HEADER_BYTES;
        for (int g : gaps) {
            for (int q = g >>> best; q > 0; q--, pos++) out[(int) (pos >>> 3)] |= (byte) (0x80 >>> (pos & 7));
            pos++;                                                              // the terminating zero-bit
            for (int b = best - 1; b >= 0; b--, pos++)
                if (((g >>> b) & 1) != 0) out[(int) (pos >>> 3)] |= (byte) (0x80 >>> (pos & 7));
        }
        return new EncodedTensor(t.name(), DType.MASK_RICE, t.shape(), out, 0, null);
    }

    private static float[] decodeMask(EncodedTensor e, int n) {
        byte[] d = e.data();
        int r = d[0];
        long ones = Integer.toUnsignedLong(ByteBuffer.wrap(d, 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
        if (r < 0 || r > 30 || ones > n)
            throw new InvalidMessageException(RejectReason.SHAPE_MISMATCH, "tensor '" + e.name() + "': bad mask header (r " + r + ", " + ones + " ones of " + n + ")");
        float[] out = new float[n];
        long pos = 8L * MASK_HEADER_BYTES, end = 8L * d.length;
        long at = -1;
        for (long j = 0; j < ones; j++) {
            long q = 0;
            while (pos < end && (d[(int) (pos >>> 3)] & (0x80 >>> (pos & 7))) != 0) {
                q++;
                pos++;
            }
            long gap = q << r;
            pos++;
            for (int b = r - 1; b >= 0; b--, pos++)
                if (pos < end && (d[(int) (pos >>> 3)] & (0x80 >>> (pos & 7))) != 0) gap |= 1L << b;
            at += gap + 1;
            if (pos > end || at >= n)
                throw new InvalidMessageException(RejectReason.SHAPE_MISMATCH, "tensor '" + e.name() + "': mask bits run past the data or the shape");
            out[(int) at] = 1f;
        }
        return out;
    }

    /** Decodes any dtype to float32 values (integers are converted exactly where float32 can hold them). */
    public static Tensor decode(EncodedTensor e) {
        ByteBuffer b = e.dataView();
        int n = (int) e.elementCount();
        if (e.dtype() == DType.MASK_RICE) return new Tensor(e.name(), e.shape(), decodeMask(e, n));
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
            case MASK_RICE -> throw new AssertionError("decoded above");
        }
        return new Tensor(e.name(), e.shape(), out);
    }

    /**
     * The tensor with its row ranks: per row (the last dimension), twice the rank of each decoded value
     * ({@link RowRanks#twice}). Mask and integer tensors, and tensors whose rows are longer than
     * {@link EncodedTensor#MAX_RANKED_ROW}, are returned as they are (the coordinator ranks those rows itself).
     */
    public static EncodedTensor withRowRanks(EncodedTensor e) {
        int[] shape = e.shape();
        int n = shape.length == 0 ? 1 : shape[shape.length - 1];
        if (e.dtype() == DType.MASK_RICE || e.dtype() == DType.INT32 || e.dtype() == DType.UINT8 || n > EncodedTensor.MAX_RANKED_ROW || n < 1)
            return e;
        int[] ranks = RowRanks.twice(decode(e).data(), n);
        ByteBuffer b = ByteBuffer.allocate(2 * ranks.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int r : ranks) b.putShort((short) r);
        return new EncodedTensor(e.name(), e.dtype(), shape, e.data(), e.groupSize(), e.scales(), b.array());
    }

    /** The tensor's row ranks (twice each element's rank in its row, as sent: unchecked), or {@code null} if it has none. */
    public static int[] rowRanks(EncodedTensor e) {
        if (!e.hasRowRanks()) return null;
        ByteBuffer b = ByteBuffer.wrap(e.rowRanks()).order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[b.capacity() / 2];
        for (int i = 0; i < out.length; i++) out[i] = Short.toUnsignedInt(b.getShort(2 * i));
        return out;
    }

    /** The row ranks of the tensors that carry them, by tensor name. */
    public static java.util.Map<String, int[]> rowRanks(Collection<EncodedTensor> tensors) {
        java.util.Map<String, int[]> out = new java.util.HashMap<>();
        for (EncodedTensor t : tensors) if (t.hasRowRanks()) out.put(t.name(), rowRanks(t));
        return out;
    }

    /**
     * A device's update tensors encoded as the round asks ({@code config}): its encoding and INT8 group size, and each
     * tensor's row ranks when it asks for them ({@link TrainingConfig#rowRanks}; never for masks).
     */
    public static List<EncodedTensor> encodeUpdate(Collection<Tensor> tensors, TrainingConfig config) {
        TensorEncoding enc = config.updateEncoding();
        List<EncodedTensor> out = encodeAll(tensors, enc, enc == TensorEncoding.INT8 ? Math.max(1, config.int8GroupSize()) : 0);
        return config.rowRanks() && enc != TensorEncoding.MASK ? out.stream().map(TensorCodec::withRowRanks).toList() : out;
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
