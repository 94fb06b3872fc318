package io.fedprune.dpp;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
            for (int k : new int[]{5, 60}) {                                      // exact (k <= 32) and limit
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

    static String encode(float[] a) {
        ByteBuffer b = ByteBuffer.allocate(4 * a.length);
        for (float x : a) b.putInt(Float.floatToRawIntBits(x));
        return Base64.getEncoder().encodeToString(b.array());
    }

    static float[] decode(String s) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(s));
        float[] a = new float[b.remaining() / 4];
        for (int i = 0; i < a.length; i++) a[i] = Float.intBitsToFloat(b.getInt());
        return a;
    }

    /** Child JVM entry: prints {@code name<TAB>base64 bits} per result. */
    public static void main(String[] args) {
        train().forEach((name, a) -> System.out.println(name + "\t" + encode(a)));
    }

    /** Runs {@code main} of {@code mainClass} in a child JVM with {@code flags} and this JVM's class path; parses its output. */
    static Map<String, float[]> runChild(Class<?> mainClass, List<String> flags) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector"));
        cmd.addAll(flags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Map<String, float[]> out = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                int tab = line.indexOf('\t');
                if (tab > 0) out.put(line.substring(0, tab), decode(line.substring(tab + 1)));
            }
        }
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "child JVM finished");
        assertEquals(0, p.exitValue(), "child JVM exit code");
        return out;
    }

    static void assertSameResults(Map<String, float[]> expected, Map<String, float[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what);
        expected.forEach((name, e) -> {
            float[] a = actual.get(name);
            int differ = 0;
            for (int i = 0; i < e.length; i++) if (Float.floatToIntBits(e[i]) != Float.floatToIntBits(a[i])) differ++;
            assertEquals(0, differ, what + ": " + name + " differs in " + differ + " of " + e.length + " values");
        });
    }

    @Test
    void interpretedAndCompiledTrainingGiveTheSameBits() throws Exception {
        Map<String, float[]> interpreted = runChild(JitIndependenceTest.class, List.of("-Xint"));
        assertFalse(interpreted.isEmpty());
        // 300 repetitions: with the former kernels (VectorOperators.EXP/LOG) the results changed at repetition 57 here,
        // when C2 had compiled the kernels
        for (int rep = 0; rep < 300; rep++) assertSameResults(interpreted, train(), "-Xint child vs this JVM, repetition " + rep);
        // and the vector path is the scalar path
        assertArrayEquals(interpreted.get("scalar k=5 logits"), interpreted.get("vector k=5 logits"));
        assertArrayEquals(interpreted.get("scalar k=60 logits"), interpreted.get("vector k=60 logits"));
    }
}
