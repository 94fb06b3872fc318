package io.fedprune.fuse;

import java.util.Arrays;

/**
 * The ascending order of a row of numbers by a stable LSD radix sort of order-preserving 64-bit keys, 8 bits a pass,
 * passes in which every key has the same byte skipped: a few linear passes instead of a comparison sort of boxed
 * indices. Fill {@link #key()} (with {@link #key(float)} or {@link #key(double)}), {@link #sort}, then read
 * {@link #index} and {@link #tieRunEnd}; or {@link #sortByGrid} for keys spread over their range. Reusable for rows of
 * one length; not thread-safe.
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

    /** Rows up to this long may be ordered by {@link #sortByGrid} (a position takes 16 bits of a packed int). */
    static final int MAX_GRID_ROW = 1 << 16;
    private int[] packed, spare;
    private final int[] gridCount = new int[512];

    /**
     * The order {@link #sort sort(8)} gives (both are stable: equal keys in position order, so the same positions), in
     * fewer passes for keys spread over their range, as fixed-point sums are: each key's place on a 16-bit grid from the
     * row's smallest key to its largest (the top 16 bits of its distance from the smallest), two 8-bit counting passes
     * over ints that pack that place above the position, then the few runs of positions sharing a place ordered by key
     * (insertion, stable). A row the grid does not spread (runs that take more than n moves to order) is sorted by
     * {@code sort(8)} instead, as is a row longer than {@link #MAX_GRID_ROW}.
     */
    void sortByGrid() {
        if (n > MAX_GRID_ROW || !orderByGrid()) sort(8);
    }

    private boolean orderByGrid() {
        if (packed == null) {
            packed = new int[n];
            spare = new int[n];
        }
        long min = key[0], max = min;
        for (int j = 1; j < n; j++) {
            long k = key[j];
            if (Long.compareUnsigned(k, min) < 0) min = k;
            if (Long.compareUnsigned(k, max) > 0) max = k;
        }
        int shift = Math.max(0, 48 - Long.numberOfLeadingZeros(max - min));   // (max - min) >>> shift < 2^16
        int[] p = packed;
        Arrays.fill(gridCount, 0);
        for (int j = 0; j < n; j++) count(gridCount, p[j] = (int) ((key[j] - min) >>> shift) << 16 | j);
        sortPacked(p, spare, gridCount, n, null);
        for (int t = 0; t < n; t++) {
            idx2[t] = p[t] & 0xffff;
            key2[t] = key[idx2[t]];
        }
        for (int t = 0, moves = 0; t < n - 1; t++) {
            if ((p[t] ^ p[t + 1]) >>> 16 != 0) continue;
            int from = t, to = packedRunEnd(p, t, n);
            for (int u = from + 1; u < to; u++) {                             // insertion by key: stable
                long k = key2[u];
                int i = idx2[u], at = u;
                while (at > from && Long.compareUnsigned(key2[at - 1], k) > 0) {
                    key2[at] = key2[at - 1];
                    idx2[at] = idx2[at - 1];
                    at--;
                }
                key2[at] = k;
                idx2[at] = i;
                moves += u - at;
            }
            if (moves > n) return false;
            t = to - 1;
        }
        long[] tk = key; key = key2; key2 = tk;
        int[] ti = idx; idx = idx2; idx2 = ti;
        return true;
    }

    /**
     * Sorts {@code p[0, n)}, ints that pack a 16-bit key above a 16-bit position, by key, stably: two 8-bit counting
     * passes through {@code spare}, given in {@code count} the histograms of the key's low byte ({@code count[0, 256)})
     * and high byte ({@code count[256, 512)}), which the caller counts as it packs ({@link #count}). With {@code twice}
     * not null, also writes twice each position's place in that order to it (the rank of a value whose key no other
     * shares).
     */
    static void sortPacked(int[] p, int[] spare, int[] count, int n, int[] twice) {
        for (int d = 0, a = 0, b = 0; d < 256; d++) {
            int ca = count[d], cb = count[256 + d];
            count[d] = a;
            count[256 + d] = b;
            a += ca;
            b += cb;
        }
        for (int j = 0; j < n; j++) spare[count[(p[j] >>> 16) & 0xff]++] = p[j];
        if (twice == null) {
            for (int j = 0; j < n; j++) p[count[256 + (spare[j] >>> 24)]++] = spare[j];
            return;
        }
        for (int j = 0; j < n; j++) {
            int v = spare[j], t = count[256 + (v >>> 24)]++;
            p[t] = v;
            twice[v & 0xffff] = 2 * t;
        }
    }

    /** Counts packed int {@code v}'s key bytes in {@link #sortPacked}'s histograms. */
    static void count(int[] count, int v) {
        count[(v >>> 16) & 0xff]++;
        count[256 + (v >>> 24)]++;
    }

    /** The end (exclusive) of the run of packed ints from {@code from} on that share its key, given {@code p[from + 1]} does ({@link #sortPacked}). */
    static int packedRunEnd(int[] p, int from, int n) {
        int to = from + 2;
        while (to < n && (p[from] ^ p[to]) >>> 16 == 0) to++;
        return to;
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
