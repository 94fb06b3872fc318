package io.fedprune.coordinator.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedprune.model.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Reads the F32 tensors of a safetensors file (an uploaded model). */
public final class SafetensorsReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsReader() {
    }

    /** The F32 tensors, in file order; other dtypes are rejected. */
    public static List<Tensor> read(byte[] bytes) {
        if (bytes.length < 8) throw new IllegalArgumentException("not a safetensors file: " + bytes.length + " bytes");
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long hl = b.getLong();
        if (hl < 2 || hl > bytes.length - 8) throw new IllegalArgumentException("not a safetensors file: header length " + hl);
        JsonNode header;
        try {
            header = JSON.readTree(new String(bytes, 8, (int) hl, java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException("not a safetensors file: bad header JSON: " + e.getMessage());
        }
        int base = 8 + (int) hl;
        List<Tensor> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) continue;
            JsonNode t = e.getValue();
            if (!"F32".equals(t.path("dtype").asText()))
                throw new IllegalArgumentException("tensor " + e.getKey() + ": dtype " + t.path("dtype").asText() + ", expected F32");
            int[] shape = new int[t.path("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = t.path("shape").get(i).asInt();
            long from = t.path("data_offsets").get(0).asLong(), to = t.path("data_offsets").get(1).asLong();
            long size = Tensor.size(shape);
            if (to - from != size * 4 || base + to > bytes.length || from < 0)
                throw new IllegalArgumentException("tensor " + e.getKey() + ": data offsets do not match its shape");
            float[] data = new float[(int) size];
            ByteBuffer.wrap(bytes, base + (int) from, (int) (to - from)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
            out.add(new Tensor(e.getKey(), shape, data));
        }
        return out;
    }
}
