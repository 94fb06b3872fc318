package io.fedprune.fuse;

import java.util.Arrays;

/**
 * The ascending order of a row of numbers by a stable LSD radix sort of order-preserving 64-bit keys, 8 bits a pass,
 * passes in which every key has the same byte skipped: a few linear passes instead of a comparison sort of boxed
 * indices. Fill {@link #key()} (with {@link #key(float)} or {@link #key(double)}), {@link #sort}, then read
 * {@link #index} and {@link #tieRunEnd}. Reusable for rows of one length; not thread-safe.
 */
final class RadixOrder {
    private final int n;
    private long[] key, key2;
    private int[] idx, idx2;
    private final int[] count = new int[8 * 256];

    RadixOrder(int n) {
        this.n = n;
        key = new long[n];
        key2 = new long[n];
        idx = new int[n];
        idx2 = new int[n];
    }

    /** The key of a float: its IEEE order as an unsigned order; -0 and +0 get the same key. */
    static long key(float x) {
        int b = Float.floatToIntBits(x + 0.0f);
        b ^= (b >> 31) & 0x7fffffff;
        return (b ^ 0x80000000) & 0xffffffffL;
    }

    /** The key of a double: its IEEE order as an unsigned order; -0 and +0 get the same key. */
    static long key(double x) {
        long b = Double.doubleToLongBits(x + 0.0);
        b ^= (b >> 63) & 0x7fffffffffffffffL;
        return b ^ 0x8000000000000000L;
    }

    /** The keys to sort, to be filled before {@link #sort}. */
    long[] key() {
        return key;
    }

    /** Sorts the keys' low {@code bytes} bytes: 4 for float keys, 8 for double keys. */
    void sort(int bytes) {
        if (bytes != 4 && bytes != 8) throw new IllegalArgumentException("bytes must be 4 or 8, was " + bytes);
        Arrays.fill(count, 0, 256 * bytes, 0);
        for (int j = 0; j < n; j++) {
            long k = key[j];
            idx[j] = j;
            count[(int) k & 0xff]++;
            count[256 + ((int) (k >>> 8) & 0xff)]++;
            count[512 + ((int) (k >>> 16) & 0xff)]++;
            count[768 + ((int) (k >>> 24) & 0xff)]++;
            if (bytes > 4) {
                count[1024 + ((int) (k >>> 32) & 0xff)]++;
                count[1280 + ((int) (k >>> 40) & 0xff)]++;
                count[1536 + ((int) (k >>> 48) & 0xff)]++;
                count[1792 + (int) (k >>> 56)]++;
            }
        }
        for (int b = 0; b < bytes; b++) {
            int base = 256 * b, shift = 8 * b;
            if (count[base + ((int) (key[0] >>> shift) & 0xff)] == n) continue;   // one byte value: order unchanged
            for (int c = 0, sum = 0; c < 256; c++) {
                int t = count[base + c];
                count[base + c] = sum;
                sum += t;
            }
            for (int j = 0; j < n; j++) {
                int d = count[base + ((int) (key[j] >>> shift) & 0xff)]++;
                key2[d] = key[j];
                idx2[d] = idx[j];
            }
            long[] tk = key; key = key2; key2 = tk;
            int[] ti = idx; idx = idx2; idx2 = ti;
        }
    }

    /** The position in the row of the {@code t}-th smallest value. */
    int index(int t) {
        return idx[t];
    }

    /** The end (exclusive) of the run of values equal to the {@code from}-th smallest. */
    int tieRunEnd(int from) {
        int to = from + 1;
        while (to < n && key[to] == key[from]) to++;
        return to;
    }
}
