package io.fedprune.model;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A trained model on disk (the cache of {@code ./fedprune local}): magic {@code FPMODEL1}, the architecture id, the
 * tensor count, then per tensor its name, rank, dimensions and float32 little-endian values (big-endian framing as
 * written by {@link DataOutputStream}). Written to a temporary file and moved into place, so a reader never sees a
 * half-written file.
 */
public final class ModelFile {
    private static final String MAGIC = "FPMODEL1";

    private ModelFile() {
    }

    /** Writes {@code model} to {@code file} (parent directories created). */
    public static void write(Model model, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            out.writeUTF(MAGIC);
            out.writeUTF(model.graph().id());
            List<Tensor> ts = model.toTensors();
            out.writeInt(ts.size());
            for (Tensor t : ts) {
                out.writeUTF(t.name());
                int[] shape = t.shape();
                out.writeInt(shape.length);
                for (int d : shape) out.writeInt(d);
                float[] data = t.data();
                ByteBuffer bb = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bb.asFloatBuffer().put(data);
                out.write(bb.array());
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads a built-in model written by {@link #write} (its graph named by the stored id). */
    public static Model read(Path file) throws IOException {
        return read(file, null);
    }

    /** Reads a model of {@code graph} written by {@link #write}; a null graph means the built-in of the stored id. */
    public static Model read(Path file, Graph graph) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (!MAGIC.equals(in.readUTF())) throw new IOException(file + ": not a fedprune model file");
            String id = in.readUTF();
            Graph g = graph != null ? graph : ModelArch.parse(id).graph();
            int count = in.readInt();
            if (count < 0 || count > 1000) throw new IOException(file + ": bad tensor count " + count);
            List<Tensor> ts = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                int rank = in.readInt();
                if (rank < 0 || rank > 8) throw new IOException(file + ": bad rank " + rank + " of " + name);
                int[] shape = new int[rank];
                long size = 1;
                for (int d = 0; d < rank; d++) size *= shape[d] = in.readInt();
                if (size < 0 || size > Integer.MAX_VALUE / 4) throw new IOException(file + ": bad shape of " + name);
                byte[] b = new byte[(int) size * 4];
                in.readFully(b);
                float[] data = new float[(int) size];
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
                ts.add(new Tensor(name, shape, data));
            }
            return Model.fromTensors(g, ts);
        }
    }
}
