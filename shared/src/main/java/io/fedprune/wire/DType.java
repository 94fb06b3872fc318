package io.fedprune.wire;

/** Element type of a tensor on the wire (always little-endian); mirrors {@code fedprune.v1.DType}. */
public enum DType {
    /** IEEE 754 binary32. */
    FLOAT32(4),
    /** IEEE 754 binary16. */
    FLOAT16(2),
    /** Signed byte times a per-group float32 scale (symmetric quantisation). */
    INT8(1),
    /** Signed 32-bit integer. */
    INT32(4),
    /** Unsigned byte. */
    UINT8(1),
    /**
     * A 0/1 tensor as Rice-coded gaps between its ones: variable length ({@link #bytes()} is 0), see
     * {@link TensorCodec}.
     */
    MASK_RICE(0);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element; 0 for the variable-length {@link #MASK_RICE}. */
    public int bytes() {
        return bytes;
    }
}
