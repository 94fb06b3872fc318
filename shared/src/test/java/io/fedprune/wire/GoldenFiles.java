package io.fedprune.wire;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes the golden files: the bytes of every {@link Samples} envelope (and of {@link Samples#tensors()} as a
 * tensor bundle) in schema version 1, under {@code shared/src/test/resources/golden/v1/}. They are committed and
 * must never be rewritten for v1; {@link GoldenFilesTest} checks that the codec still decodes them.
 *
 * <p>Run once per new schema version (or to add a file for a new message type):
 * {@code ./mvnw -q -B -pl shared test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.fedprune.wire.GoldenFiles -Dexec.args=shared/src/test/resources/golden/v1}
 * (existing files are kept unless {@code --overwrite} is given).
 */
public final class GoldenFiles {
    static final String DIR = "/golden/v1/";
    static final String TENSORS = "tensor_bundle";

    private GoldenFiles() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "shared/src/test/resources/golden/v1");
        boolean overwrite = args.length > 1 && args[1].equals("--overwrite");
        Files.createDirectories(dir);
        WireCodec codec = WireCodec.standard();
        for (Map.Entry<String, Envelope> e : Samples.all().entrySet()) write(dir.resolve(e.getKey() + ".bin"), codec.encode(e.getValue()), overwrite);
        write(dir.resolve(TENSORS + ".bin"), codec.encodeTensors(Samples.tensors()), overwrite);
    }

    private static void write(Path file, byte[] bytes, boolean overwrite) throws IOException {
        if (Files.exists(file) && !overwrite) {
            System.out.println("kept    " + file);
            return;
        }
        Files.write(file, bytes);
        System.out.println("written " + file + " (" + bytes.length + " bytes)");
    }

    /** The committed golden bytes of {@code name}, or null if there is no such file. */
    static byte[] read(String name) {
        try (InputStream in = GoldenFiles.class.getResourceAsStream(DIR + name + ".bin")) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
