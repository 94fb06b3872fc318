package io.fedprune.wire;

/** How a float tensor (e.g. a device's logits) is encoded for sending; mirrors {@code fedprune.v1.TensorEncoding}. */
public enum TensorEncoding {
    /** 32 bits per parameter, exact. */
    FLOAT32(DType.FLOAT32),
    /** 16 bits per parameter, IEEE half precision (round to nearest even). */
    FLOAT16(DType.FLOAT16),
    /** 8 bits per parameter plus one float32 scale per group of consecutive parameters. */
    INT8(DType.INT8),
    /**
     * The device's top-k mask of its logits (k of each group's n candidates, the k it trained for), Rice-coded:
     * at most 1 bit per parameter (about 0.3 at keep 5%, 0.8 at 25%). The coordinator fuses inclusion counts.
     */
    MASK(DType.MASK_RICE);

    private final DType dtype;

    TensorEncoding(DType dtype) {
        this.dtype = dtype;
    }

    /** The element type this encoding produces. */
    public DType dtype() {
        return dtype;
    }
}
