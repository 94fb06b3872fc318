package io.fedprune.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

import static io.fedprune.wire.Checks.atLeast;
import static io.fedprune.wire.Checks.elements;
import static io.fedprune.wire.Checks.present;
import static io.fedprune.wire.Checks.text;

/**
 * A tensor as it travels: dtype, shape and little-endian bytes (row-major). For {@link DType#INT8} the value of
 * element {@code i} is {@code data[i] * scales[i / groupSize]}. Made by {@link TensorCodec}.
 *
 * <p>Validation: {@code data.length == product(shape) * dtype.bytes()} (for MASK_RICE: at least its header, the
 * rest is checked when decoding); for INT8 {@code groupSize >= 1} and
 * exactly {@code ceil(product(shape) / groupSize)} finite, non-negative scales; for other dtypes no scales and
 * group size 0; float elements must be finite. Arrays are copied on construction and by the accessors.
 *
 * @param name      tensor name
 * @param dtype     element type
 * @param shape     dimensions
 * @param data      little-endian elements
 * @param groupSize INT8 only: consecutive elements sharing one scale; 0 otherwise
 * @param scales    INT8 only: one scale per group; empty otherwise
 * @param rowRanks  float tensors only, optional (empty if not sent): per element, twice its rank among the decoded values
 *                  of its row (the last dimension, at most {@link #MAX_RANKED_ROW}; 0 = smallest, ties averaged), uint16
 *                  little-endian ({@link TensorCodec#withRowRanks}); checked to look like a ranking where it is used
 */
public record EncodedTensor(String name, DType dtype, int[] shape, byte[] data, int groupSize, float[] scales, byte[] rowRanks) {
    /** Rows of a tensor with row ranks are at most this long (twice a rank, up to 2n - 2, is a uint16). */
    public static final int MAX_RANKED_ROW = 1 << 15;

    /** A tensor without row ranks. */
    public EncodedTensor(String name, DType dtype, int[] shape, byte[] data, int groupSize, float[] scales) {
        this(name, dtype, shape, data, groupSize, scales, null);
    }

    public EncodedTensor {
        text(name, "tensor.name");
        present(dtype, "tensor '" + name + "' dtype");
        long n = elements(shape, "tensor '" + name + "' shape");
        present(data, "tensor '" + name + "' data");
        scales = scales == null ? new float[0] : scales;
        if (dtype == DType.MASK_RICE ? data.length < TensorCodec.MASK_HEADER_BYTES : data.length != n * dtype.bytes()) {
            throw new InvalidMessageException(RejectReason.SHAPE_MISMATCH, "tensor '" + name + "': " + dtype + " shape "
                    + Arrays.toString(shape) + " needs " + n * dtype.bytes() + " bytes of data, got " + data.length);
        }
        if (dtype == DType.INT8) {
            atLeast(groupSize, 1, "tensor '" + name + "' group_size");
            long groups = (n + groupSize - 1) / groupSize;
            if (scales.length != groups) {
                throw new InvalidMessageException(RejectReason.SHAPE_MISMATCH, "tensor '" + name + "': " + n + " int8 elements in groups of "
                        + groupSize + " need " + groups + " scales, got " + scales.length);
            }
            for (int g = 0; g < scales.length; g++) {
                if (!Float.isFinite(scales[g])) throw new InvalidMessageException(RejectReason.NON_FINITE, "tensor '" + name + "' scales[" + g + "] is " + scales[g]);
                if (scales[g] < 0) throw Checks.bad("tensor '" + name + "' scales[" + g + "] must be >= 0, was " + scales[g]);
            }
        } else if (groupSize != 0 || scales.length != 0) {
            throw Checks.bad("tensor '" + name + "': group_size and scales are only for INT8, not " + dtype);
        }
        checkFinite(name, dtype, data);
        rowRanks = rowRanks == null ? new byte[0] : rowRanks.clone();
        if (rowRanks.length > 0) {
            if (dtype != DType.FLOAT32 && dtype != DType.FLOAT16 && dtype != DType.INT8)
                throw Checks.bad("tensor '" + name + "': row ranks are only for float tensors, not " + dtype);
            int row = shape.length == 0 ? 1 : shape[shape.length - 1];
            if (rowRanks.length != 2 * n || row > MAX_RANKED_ROW)
                throw new InvalidMessageException(RejectReason.SHAPE_MISMATCH, "tensor '" + name + "': row ranks of " + rowRanks.length
                        + " bytes for " + n + " elements in rows of " + row + " (needs 2 bytes per element, rows of at most " + MAX_RANKED_ROW + ")");
        }
        shape = shape.clone();
        data = data.clone();
        scales = scales.clone();
    }

    private static void checkFinite(String name, DType dtype, byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if (dtype == DType.FLOAT32) {
            for (int i = 0; i < data.length / 4; i++) {
                float v = b.getFloat(4 * i);
                if (!Float.isFinite(v)) throw new InvalidMessageException(RejectReason.NON_FINITE, "tensor '" + name + "' element " + i + " is " + v);
            }
        } else if (dtype == DType.FLOAT16) {
            for (int i = 0; i < data.length / 2; i++) {
                if ((b.getShort(2 * i) & 0x7c00) == 0x7c00) {
                    throw new InvalidMessageException(RejectReason.NON_FINITE, "tensor '" + name + "' element " + i + " is "
                            + Float16.toFloat(b.getShort(2 * i)));
                }
            }
        }
    }

    /** Number of elements. */
    public long elementCount() {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** Bytes of payload actually sent for this tensor: data, 4 bytes per scale and the row ranks (names and shape excluded). */
    public long payloadBytes() {
        return data.length + 4L * scales.length + rowRanks.length;
    }

    /** Whether row ranks travel with the values. */
    public boolean hasRowRanks() {
        return rowRanks.length > 0;
    }

    @Override
    public byte[] rowRanks() {
        return rowRanks.clone();
    }

    /** Payload bits per parameter: {@code 8 * payloadBytes() / elementCount()} (0 for an empty tensor). */
    public double bitsPerParameter() {
        long n = elementCount();
        return n == 0 ? 0 : 8.0 * payloadBytes() / n;
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    @Override
    public float[] scales() {
        return scales.clone();
    }

    /** Read-only little-endian view of the data, without copying. */
    public ByteBuffer dataView() {
        return ByteBuffer.wrap(data).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EncodedTensor t && name.equals(t.name) && dtype == t.dtype && groupSize == t.groupSize
                && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data) && Arrays.equals(scales, t.scales)
                && Arrays.equals(rowRanks, t.rowRanks);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, groupSize, Arrays.hashCode(shape), Arrays.hashCode(data), Arrays.hashCode(scales), Arrays.hashCode(rowRanks));
    }

    @Override
    public String toString() {
        return "EncodedTensor[" + name + " " + dtype + " " + Arrays.toString(shape) + (dtype == DType.INT8 ? " group " + groupSize : "")
                + (hasRowRanks() ? " with row ranks" : "") + "]";
    }
}
