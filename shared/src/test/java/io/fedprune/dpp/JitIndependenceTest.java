package io.fedprune.dpp;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Seeded DPP training gives the same bits whatever the JIT has compiled so far: a child JVM that only interprets
 * ({@code -Xint}: the Vector API runs its Java fallback, nothing is intrinsified) against this JVM, where the same
 * training runs repeatedly and so passes through the interpreter, C1 and C2 code. Before the kernels avoided
 * {@code VectorOperators.EXP/LOG}, the first training in a JVM differed from later ones in the last bits.
 */
class JitIndependenceTest {

    /** Small layers (the interpreter runs the Vector API's fallback ~1000x slower), exact and continuous limit. */
    static Map<String, float[]> train() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (boolean vectorized : new boolean[]{true, false}) {
            for (int k : new int[]{5, 60}) {                                      // exact (k <= 8) and limit
                MaskSpec s = MaskSpec.ofK("fc", Granularity.WEIGHT, new int[]{6, 200}, k);
                float[] w = MasksTest.gaussian(s.size(), 1, 0.05), weff = new float[s.size()];
                DppLayer layer = new DppLayer(s, Logits.fromWeights(w, s), DppConfig.defaults().withVectorized(vectorized), 21);
                for (int t = 0; t < 4; t++) {
                    float T = 5f - t;
                    layer.forward(w, weff, T);
                    float[] gw = MasksTest.gaussian(s.size(), 30 + t, 1);
                    for (int i = 0; i < gw.length; i++) gw[i] += weff[i];
                    layer.backward(w, gw, T);
                }
                String name = (vectorized ? "vector" : "scalar") + " k=" + k;
                out.put(name + " logits", layer.logits());
                out.put(name + " mask", layer.lastGroupMask());
            }
        }
        return out;
    }

    /** Child JVM entry. */
    public static void main(String[] args) {
        ChildJvm.print(train());
    }

    @Test
    void interpretedAndCompiledTrainingGiveTheSameBits() throws Exception {
        Map<String, float[]> interpreted = ChildJvm.run(JitIndependenceTest.class, List.of("-Xint"));
        // 300 repetitions: with the former kernels (VectorOperators.EXP/LOG) the results changed at repetition 57 here,
        // when C2 had compiled the kernels
        for (int rep = 0; rep < 300; rep++) ChildJvm.assertSameBits(interpreted, train(), "-Xint child vs this JVM, repetition " + rep);
        // and the vector path is the scalar path
        assertArrayEquals(interpreted.get("scalar k=5 logits"), interpreted.get("vector k=5 logits"));
        assertArrayEquals(interpreted.get("scalar k=60 logits"), interpreted.get("vector k=60 logits"));
    }
}
