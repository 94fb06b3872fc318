package io.fedprune.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FixedSumTest {

    @Test
    void theVectorFoldRunsInTheBuildAndGivesTheScalarBits() {
        assertNotSame(FixedSum.SCALAR, FixedSum.FOLD, "the build runs with jdk.incubator.vector");
        Random r = new Random(7);
        for (int n : new int[]{1, 3, 7, 8, 9, 31, 1000, 4099}) {
            long[] aS = new long[n + 5], bS = new long[n + 5], aV = new long[n + 5], bV = new long[n + 5];
            for (int d = 0; d < 5; d++) {
                float[] x = new float[n + 5], tied = new float[n];
                for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
                for (int i = 0; i < n; i++) tied[i] = r.nextInt(n);
                int[] rank = FusionTest.twiceRanks(tied, n);
                if (d == 3) x[2 + n / 2] = n % 2 == 0 ? Float.NaN : 1e7f;                   // out of bound: adds nothing
                double w = (0.1 + r.nextDouble() * 3) * 0x1p30;
                assertEquals(FixedSum.SCALAR.add(aS, x, 2, n, w, 1e6f), FixedSum.FOLD.add(aV, x, 2, n, w, 1e6f));
                assertEquals(d != 3, FixedSum.SCALAR.add2(aS, bS, x, rank, 2, 0, n, w, w, 1e6f));
                assertEquals(d != 3, FixedSum.FOLD.add2(aV, bV, x, rank, 2, 0, n, w, w, 1e6f));
            }
            assertArrayEquals(aS, aV, "logit sums, n = " + n);
            assertArrayEquals(bS, bV, "rank sums, n = " + n);
        }
    }

    @Test
    void eachTermIsRoundedOnceToTheNearestStepAndTheSumsAreExact() {
        FoldBounds bounds = FoldBounds.of(10, 8);                    // scale: 2^50 / (8 * 2^16) = 2^31
        FixedSum s = new FixedSum(3, FoldBounds.MAX_ABS_LOGIT, bounds);
        assertEquals(0x1p31, s.scale);
        float[] x = {0.1f, -3.7f, 65536f};
        double w = Math.sqrt(7);
        assertTrue(s.add(x, 0, 3, w));
        for (int i = 0; i < 3; i++) {                                // round(x * w * 2^31) worked out in BigDecimal
            BigDecimal exact = new BigDecimal(x[i]).multiply(new BigDecimal(w * 0x1p31));
            assertEquals(exact.setScale(0, RoundingMode.HALF_EVEN).longValueExact(), s.sum[i], "element " + i);
        }
        // 1e4 + 1 - 1e4 at weight 1 is exact in any order, and subtracting the same terms undoes an addition exactly
        FixedSum a = new FixedSum(1, FoldBounds.MAX_ABS_LOGIT, bounds), b = new FixedSum(1, FoldBounds.MAX_ABS_LOGIT, bounds);
        float[][] terms = {{1e4f}, {0.1f}, {-1e4f}};
        for (int i = 0; i < 3; i++) a.add(terms[i], 0, 1, 1.0);
        for (int i = 2; i >= 0; i--) b.add(terms[i], 0, 1, 1.0);
        assertArrayEquals(a.sum, b.sum);
        assertEquals(0.1f, (float) a.divided(0, 1.0));
        a.add(terms[1], 0, 1, -1.0);
        assertEquals(0L, a.sum[0]);
    }

    @Test
    void valuesBeyondTheBoundAddNothingAndAreReported() {
        FixedSum s = new FixedSum(4, 10, FoldBounds.of(4, 1));
        assertFalse(s.add(new float[]{1, Float.POSITIVE_INFINITY, 11, Float.NaN}, 0, 4, 1.0));
        assertEquals(1.0, s.divided(0, 1.0));
        assertArrayEquals(new long[]{0, 0, 0}, java.util.Arrays.copyOfRange(s.sum, 1, 4));
    }

    @Test
    void theScaleKeepsTermsAndSumsInRange() {
        FoldBounds b = FoldBounds.of(200, Math.sqrt(6000));        // weight < 2^7, logits <= 2^16: 2^50 / 2^23
        assertEquals(0x1p27, b.scale(FoldBounds.MAX_ABS_LOGIT));
        assertEquals(0x1p34, b.scale(783));                        // ranks of a row of 784
        assertEquals(0x1p33, b.scale(2 * 783));                    // twice-ranks: the same terms, 2r * 2^33 = r * 2^34
        FoldBounds many = FoldBounds.of(1 << 20, 1);               // 2^62 / 2^20 = 2^42 < 2^50 for the sum
        assertEquals(0x1p26, many.scale(FoldBounds.MAX_ABS_LOGIT));
        assertTrue(200 * Math.sqrt(6000) * 0x1p16 * b.scale(FoldBounds.MAX_ABS_LOGIT) < 0x1p62);
    }

    @Test
    void theVectorFoldOfLogitsAndRanksGivesTheScalarBitsAndVerdicts() {
        assertNotSame(FixedSum.SCALAR, FixedSum.FOLD, "the build runs with jdk.incubator.vector");
        Random r = new Random(3);
        for (int n : new int[]{1, 2, 5, 16, 17, 33, 100, 784}) {
            float[] x = new float[3 * n];
            for (int i = 0; i < x.length; i++) x[i] = r.nextInt(4) == 0 ? 0f : (r.nextInt(9) - 4) * 0.5f;   // many ties
            int[] good = FusionTest.twiceRanks(x, n);
            int[][] cases = new int[5][];
            for (int c = 0; c < cases.length; c++) cases[c] = good.clone();
            cases[1][n + n - 1] = 2 * n - 1;                                   // out of range (the last lane: the tail)
            cases[2][n] = -2;                                                   // negative
            cases[3][n] += 2;                                                   // the row's sum
            for (int j = 0; j < n; j++)                                         // spread: half at 0, half at 2n - 2, the
                cases[4][n + j] = 2 * j + 1 == n ? n - 1 : 2 * j < n ? 0 : 2 * n - 2;   // middle one at n - 1: sum n(n-1)
            for (int c = 0; c < cases.length; c++) {
                long[] as = new long[x.length], bs = new long[x.length], av = new long[x.length], bv = new long[x.length];
                for (int off = 0; off < x.length; off += n) {
                    boolean scalar = FixedSum.SCALAR.add2(as, bs, x, cases[c], off, off, n, 0x1p20, 0x1p21, 4f);
                    boolean vector = FixedSum.FOLD.add2(av, bv, x, cases[c], off, off, n, 0x1p20, 0x1p21, 4f);
                    assertEquals(scalar, vector, "case " + c + ", n = " + n + ", row " + off / n);
                    boolean expected = RowRanks.problem(cases[c], off, n) == null;
                    assertEquals(expected, scalar, "case " + c + ", n = " + n + ", row " + off / n);
                }
                assertArrayEquals(as, av, "logit sums, case " + c + ", n = " + n);
                assertArrayEquals(bs, bv, "rank sums, case " + c + ", n = " + n);
                for (int i = 0; i < x.length; i++) {
                    int q = cases[c][i];
                    assertEquals(Math.round(x[i] * 0x1p20), as[i]);
                    assertEquals(q >= 0 && q <= 2 * n - 2 ? q * (long) 0x1p21 : 0, bs[i], "an out-of-range rank adds nothing");
                }
            }
            String spread = RowRanks.problem(cases[4], n, n);                   // a permutation for n <= 3, too spread beyond
            assertTrue(n <= 3 ? spread == null : spread.contains("spread more than a permutation"), "n = " + n + ": " + spread);
        }
    }
}
