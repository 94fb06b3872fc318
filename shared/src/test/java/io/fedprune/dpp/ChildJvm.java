package io.fedprune.dpp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs a computation in a fresh child JVM (this JVM's class path, the Vector API module, extra flags) and compares
 * named float arrays bit for bit: the child's {@code main} prints them with {@link #print}.
 */
public final class ChildJvm {
    private ChildJvm() {
    }

    /** Prints {@code name<TAB>base64 of the raw float bits} per entry (the child side). */
    public static void print(Map<String, float[]> results) {
        results.forEach((name, a) -> {
            ByteBuffer b = ByteBuffer.allocate(4 * a.length);
            for (float x : a) b.putInt(Float.floatToRawIntBits(x));
            System.out.println(name + "\t" + Base64.getEncoder().encodeToString(b.array()));
        });
    }

    /** Runs {@code main} of {@code mainClass} in a child JVM with {@code flags}; returns what it {@link #print}ed. */
    public static Map<String, float[]> run(Class<?> mainClass, List<String> flags) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector"));
        cmd.addAll(flags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Map<String, float[]> out = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                int tab = line.indexOf('\t');
                if (tab < 0) continue;
                ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(line.substring(tab + 1)));
                float[] a = new float[b.remaining() / 4];
                for (int i = 0; i < a.length; i++) a[i] = Float.intBitsToFloat(b.getInt());
                out.put(line.substring(0, tab), a);
            }
        }
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "child JVM finished");
        assertEquals(0, p.exitValue(), "child JVM exit code");
        assertTrue(!out.isEmpty(), "child JVM printed results");
        return out;
    }

    /** Same names, and every array the same bits. */
    public static void assertSameBits(Map<String, float[]> expected, Map<String, float[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what);
        expected.forEach((name, e) -> {
            float[] a = actual.get(name);
            assertEquals(e.length, a.length, what + ": " + name);
            int differ = 0;
            for (int i = 0; i < e.length; i++) if (Float.floatToIntBits(e[i]) != Float.floatToIntBits(a[i])) differ++;
            assertEquals(0, differ, what + ": " + name + " differs in " + differ + " of " + e.length + " values");
        });
    }
}
