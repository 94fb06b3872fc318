package io.fedprune.wire;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedprune.model.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The safetensors file format (as written by the Python {@code safetensors} package), used for deployment
 * artifacts: an 8-byte little-endian header length N; N bytes of UTF-8 JSON mapping each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the data section) plus an optional
 * {@code "__metadata__"} map of strings, padded with spaces to a multiple of 8; then the data section, row-major and
 * little-endian, tensors back to back without holes. Supported dtypes: F32, I32, I16, U8.
 *
 * <p>In Python: {@code safetensors.numpy.load_file(path)} or {@code safetensors.torch.load_file(path)} read what
 * {@link #write} writes; {@link #read} refuses anything malformed with a message naming the problem.
 */
public final class Safetensors {
    private static final long MAX_HEADER = 100L << 20;

    private Safetensors() {
    }

    /** Element types supported here, by their safetensors names. */
    public enum Dtype {
        F32(4), I32(4), I16(2), U8(1);

        private final int bytes;

        Dtype(int bytes) {
            this.bytes = bytes;
        }

        /** Bytes per element. */
        public int bytes() {
            return bytes;
        }
    }

    /**
     * One named tensor of a file. Arrays are copied.
     *
     * @param name  tensor name, not {@code __metadata__}
     * @param dtype element type
     * @param shape dimensions (each {@code >= 0})
     * @param data  little-endian bytes, {@code product(shape) * dtype.bytes()} of them
     */
    public record Entry(String name, Dtype dtype, int[] shape, byte[] data) {
        public Entry {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty() || name.equals("__metadata__")) throw new IllegalArgumentException("invalid tensor name '" + name + "'");
            Objects.requireNonNull(dtype, "dtype");
            long n = Tensor.size(Objects.requireNonNull(shape, "shape"));
            Objects.requireNonNull(data, "data");
            if (data.length != n * dtype.bytes()) {
                throw new IllegalArgumentException("tensor '" + name + "': " + dtype + " " + Arrays.toString(shape) + " needs "
                        + n * dtype.bytes() + " bytes, got " + data.length);
            }
            shape = shape.clone();
            data = data.clone();
        }

        /** A float32 entry. */
        public static Entry f32(String name, int[] shape, float[] values) {
            ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(values);
            return new Entry(name, Dtype.F32, shape, b.array());
        }

        /** A float32 entry holding a tensor (under the tensor's name). */
        public static Entry of(Tensor t) {
            return f32(t.name(), t.shape(), t.data());
        }

        /** An int32 entry. */
        public static Entry i32(String name, int[] shape, int[] values) {
            ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            b.asIntBuffer().put(values);
            return new Entry(name, Dtype.I32, shape, b.array());
        }

        /** An int16 entry (values must fit in 16 bits). */
        public static Entry i16(String name, int[] shape, int[] values) {
            ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            for (int v : values) {
                if (v != (short) v) throw new IllegalArgumentException("tensor '" + name + "': " + v + " does not fit in int16");
                b.putShort((short) v);
            }
            return new Entry(name, Dtype.I16, shape, b.array());
        }

        /** A uint8 entry. */
        public static Entry u8(String name, int[] shape, byte[] values) {
            return new Entry(name, Dtype.U8, shape, values);
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        /** The values of an F32 entry. */
        public float[] floats() {
            require(Dtype.F32);
            float[] out = new float[data.length / 4];
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }

        /** The values of an I32 or I16 entry. */
        public int[] ints() {
            if (dtype == Dtype.I16) {
                int[] out = new int[data.length / 2];
                ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < out.length; i++) out[i] = b.getShort(2 * i);
                return out;
            }
            require(Dtype.I32);
            int[] out = new int[data.length / 4];
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
            return out;
        }

        /** An F32 entry as a tensor. */
        public Tensor toTensor() {
            return new Tensor(name, shape, floats());
        }

        private void require(Dtype d) {
            if (dtype != d) throw new IllegalStateException("tensor '" + name + "' is " + dtype + ", not " + d);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && name.equals(e.name) && dtype == e.dtype && Arrays.equals(shape, e.shape) && Arrays.equals(data, e.data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, dtype, Arrays.hashCode(shape), Arrays.hashCode(data));
        }

        @Override
        public String toString() {
            return "Entry[" + name + " " + dtype + " " + Arrays.toString(shape) + "]";
        }
    }

    /**
     * The contents of a file.
     *
     * @param entries  tensors in file order (names unique)
     * @param metadata the {@code __metadata__} strings (empty if none)
     */
    public record Contents(List<Entry> entries, Map<String, String> metadata) {
        public Contents {
            entries = List.copyOf(entries);
            metadata = Map.copyOf(metadata);
            Set<String> names = new HashSet<>();
            for (Entry e : entries) if (!names.add(e.name())) throw new IllegalArgumentException("tensor '" + e.name() + "' appears twice");
        }

        /** The entry named {@code name}, if any. */
        public Optional<Entry> get(String name) {
            return entries.stream().filter(e -> e.name().equals(name)).findFirst();
        }

        /** The entry named {@code name}; {@link IllegalArgumentException} naming it if absent. */
        public Entry require(String name) {
            return get(name).orElseThrow(() -> new IllegalArgumentException("no tensor '" + name + "' in the file"));
        }
    }

    /** The header's JSON: duplicate keys and anything after the object are errors. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The bytes of a file holding {@code entries} (in this order) and {@code metadata}. */
    public static byte[] write(Collection<Entry> entries, Map<String, String> metadata) {
        new Contents(List.copyOf(entries), metadata);   // validates unique names
        ObjectNode h = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = h.putObject("__metadata__");
            new TreeMap<>(metadata).forEach(m::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = h.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (int d : e.shape()) shape.add(d);
            long end = offset + e.data.length;
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(h);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a safetensors header", e);
        }
        int padded = (json.length + 7) / 8 * 8;
        if (8L + padded + offset > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("file of " + (8L + padded + offset) + " bytes is too large");
        ByteBuffer b = ByteBuffer.allocate((int) (8 + padded + offset)).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        for (int k = json.length; k < padded; k++) b.put((byte) ' ');
        for (Entry e : entries) b.put(e.data);
        return b.array();
    }

    /** Writes a file atomically (a temporary file beside it, then a move). */
    public static void write(Path file, Collection<Entry> entries, Map<String, String> metadata) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, write(entries, metadata));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads a file. */
    public static Contents read(Path file) throws IOException {
        try {
            return read(Files.readAllBytes(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses the bytes of a file.
     *
     * @throws IllegalArgumentException naming the problem: short file, header length beyond the file, invalid JSON,
     *                                  unknown dtype, bad shape or offsets, holes or overlaps in the data section
     */
    public static Contents read(byte[] bytes) {
        if (bytes.length < 8) throw new IllegalArgumentException("not a safetensors file: " + bytes.length + " bytes, shorter than the 8-byte header length");
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (n < 2 || n > MAX_HEADER || n > bytes.length - 8L) {
            throw new IllegalArgumentException("not a safetensors file: header length " + n + " does not fit the file of " + bytes.length + " bytes");
        }
        String json = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        JsonNode header;
        try {
            header = JSON.readTree(json.stripTrailing());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("invalid JSON in the safetensors header: " + e.getOriginalMessage());
        }
        if (header == null || !header.isObject()) throw new IllegalArgumentException("safetensors header is not a JSON object");
        int dataStart = 8 + (int) n;
        long dataLength = bytes.length - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        record Span(String name, long begin, long end) {
        }
        List<Span> spans = new ArrayList<>();
        List<Entry> entries = new ArrayList<>();
        for (var e : header.properties()) {
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                if (!e.getValue().isObject()) throw new IllegalArgumentException("__metadata__ is not an object");
                for (var kv : e.getValue().properties()) {
                    if (!kv.getValue().isTextual()) throw new IllegalArgumentException("__metadata__ value of '" + kv.getKey() + "' is not a string");
                    metadata.put(kv.getKey(), kv.getValue().textValue());
                }
                continue;
            }
            JsonNode info = e.getValue();
            if (!info.isObject()) throw new IllegalArgumentException("tensor '" + name + "': header entry is not an object");
            Dtype dtype;
            String dt = info.path("dtype").asText("null");
            try {
                dtype = Dtype.valueOf(dt);
            } catch (IllegalArgumentException x) {
                throw new IllegalArgumentException("tensor '" + name + "': unsupported dtype " + dt + " (supported: F32, I32, I16, U8)");
            }
            int[] shape = ints(info.get("shape"), name, "shape");
            int[] offsets = ints(info.get("data_offsets"), name, "data_offsets");
            if (offsets.length != 2 || offsets[0] > offsets[1] || offsets[1] > dataLength) {
                throw new IllegalArgumentException("tensor '" + name + "': data_offsets " + Arrays.toString(offsets) + " outside the data section of " + dataLength + " bytes");
            }
            byte[] data = Arrays.copyOfRange(bytes, dataStart + offsets[0], dataStart + offsets[1]);
            entries.add(new Entry(name, dtype, shape, data));
            spans.add(new Span(name, offsets[0], offsets[1]));
        }
        spans.sort((a, b) -> Long.compare(a.begin(), b.begin()));
        long expected = 0;
        for (Span s : spans) {
            if (s.begin() != expected) {
                throw new IllegalArgumentException("tensor '" + s.name() + "' starts at " + s.begin() + ", expected " + expected + " (hole or overlap in the data section)");
            }
            expected = s.end();
        }
        if (expected != dataLength) throw new IllegalArgumentException("data section has " + dataLength + " bytes, the tensors cover " + expected);
        return new Contents(entries, metadata);
    }

    private static int[] ints(JsonNode v, String tensor, String field) {
        if (v == null || !v.isArray()) throw new IllegalArgumentException("tensor '" + tensor + "': " + field + " is not a list");
        int[] out = new int[v.size()];
        for (int k = 0; k < out.length; k++) {
            JsonNode x = v.get(k);
            if (!x.isIntegralNumber() || !x.canConvertToInt() || x.intValue() < 0) {
                throw new IllegalArgumentException("tensor '" + tensor + "': " + field + "[" + k + "] = " + x + " is not a non-negative int");
            }
            out[k] = x.intValue();
        }
        return out;
    }
}
