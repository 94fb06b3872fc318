package io.fedprune.deploy.report;

import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;

/**
 * Writes reports as JSON: records (by component name, snake_case), maps, collections, arrays, strings, numbers,
 * booleans and null. Non-finite numbers become {@code null} (JSON has no NaN).
 */
public final class Json {
    private Json() {
    }

    /** {@code value} as indented JSON text. */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(value, sb, 0);
        return sb.append('\n').toString();
    }

    private static void write(Object v, StringBuilder sb, int depth) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String s) {
            string(s, sb);
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            sb.append(Double.isFinite(d) ? (d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.format(Locale.ROOT, "%.6g", d).replaceAll("(\\.\\d*?)0+(e|$)", "$1$2").replace(".e", "e").replaceAll("\\.$", "")) : "null");
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof Enum<?> e) {
            string(e.name().toLowerCase(Locale.ROOT), sb);
        } else if (v instanceof Map<?, ?> m) {
            object(m.entrySet().stream().map(e -> Map.entry(String.valueOf(e.getKey()), (Object) e.getValue())).toList(), sb, depth);
        } else if (v instanceof Record r) {
            RecordComponent[] rc = r.getClass().getRecordComponents();
            java.util.List<Map.Entry<String, Object>> fields = new java.util.ArrayList<>();
            for (RecordComponent c : rc) {
                try {
                    fields.add(new java.util.AbstractMap.SimpleEntry<>(snake(c.getName()), c.getAccessor().invoke(r)));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            object(fields, sb, depth);
        } else if (v instanceof Collection<?> c) {
            array(c.toArray(), sb, depth);
        } else if (v instanceof double[] a) {
            array(java.util.Arrays.stream(a).boxed().toArray(), sb, depth);
        } else if (v instanceof int[] a) {
            array(java.util.Arrays.stream(a).boxed().toArray(), sb, depth);
        } else if (v instanceof long[] a) {
            array(java.util.Arrays.stream(a).boxed().toArray(), sb, depth);
        } else if (v instanceof Object[] a) {
            array(a, sb, depth);
        } else {
            string(v.toString(), sb);
        }
    }

    private static void object(java.util.List<Map.Entry<String, Object>> fields, StringBuilder sb, int depth) {
        if (fields.isEmpty()) {
            sb.append("{}");
            return;
        }
        sb.append("{\n");
        for (int i = 0; i < fields.size(); i++) {
            indent(sb, depth + 1);
            string(fields.get(i).getKey(), sb);
            sb.append(": ");
            write(fields.get(i).getValue(), sb, depth + 1);
            sb.append(i < fields.size() - 1 ? ",\n" : "\n");
        }
        indent(sb, depth);
        sb.append('}');
    }

    private static void array(Object[] a, StringBuilder sb, int depth) {
        boolean flat = java.util.Arrays.stream(a).allMatch(x -> x == null || x instanceof Number || x instanceof String || x instanceof Boolean);
        if (flat) {
            sb.append('[');
            for (int i = 0; i < a.length; i++) {
                if (i > 0) sb.append(", ");
                write(a[i], sb, depth);
            }
            sb.append(']');
            return;
        }
        sb.append("[\n");
        for (int i = 0; i < a.length; i++) {
            indent(sb, depth + 1);
            write(a[i], sb, depth + 1);
            sb.append(i < a.length - 1 ? ",\n" : "\n");
        }
        indent(sb, depth);
        sb.append(']');
    }

    private static void string(String s, StringBuilder sb) {
        sb.append('"');
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (ch < 0x20) sb.append(String.format("\\u%04x", (int) ch));
                    else sb.append(ch);
                }
            }
        }
        sb.append('"');
    }

    private static void indent(StringBuilder sb, int depth) {
        sb.append("  ".repeat(depth));
    }

    /** {@code durationMs} -> {@code duration_ms}. */
    static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }
}
