package io.fedprune.model;

import java.util.Arrays;

/**
 * The geometry of a sliding window (convolution, pooling) over a {@code [C, H, W]} value: the one place where kernel,
 * strides and pads are checked and the output height and width computed (floor mode, dilation 1), for the graph
 * ({@link Op}) and the compact runtime alike.
 */
public final class WindowGeometry {
    private WindowGeometry() {
    }

    /**
     * Checks a kernel {@code kh x kw}, strides {@code >= 1} and pads {@code [top, left, bottom, right] >= 0}.
     *
     * @param what names the operation in the message
     * @return a copy of the pads
     */
    public static int[] check(String what, int kh, int kw, int strideH, int strideW, int[] pads) {
        positive(what, kh, kw, strideH, strideW);
        if (pads == null || pads.length != 4) throw new IllegalArgumentException(what + ": pads must be [top, left, bottom, right]");
        for (int p : pads) if (p < 0) throw new IllegalArgumentException(what + ": negative pads " + Arrays.toString(pads));
        return pads.clone();
    }

    /** Throws unless every size is {@code >= 1}. */
    public static void positive(String what, int... sizes) {
        for (int x : sizes) if (x < 1) throw new IllegalArgumentException(what + ": sizes and strides must be >= 1: " + Arrays.toString(sizes));
    }

    /** The output {@code [height, width]} of the window over an {@code h x w} input. */
    public static int[] output(String what, int h, int w, int kh, int kw, int strideH, int strideW, int[] pads) {
        return new int[]{length(what, h, kh, strideH, pads[0], pads[2]), length(what, w, kw, strideW, pads[1], pads[3])};
    }

    /** Output length along one axis. */
    private static int length(String what, int size, int k, int stride, int padBefore, int padAfter) {
        int span = size + padBefore + padAfter - k;
        if (span < 0) throw new IllegalArgumentException(what + ": kernel " + k + " larger than the padded input " + (size + padBefore + padAfter));
        return span / stride + 1;
    }
}
