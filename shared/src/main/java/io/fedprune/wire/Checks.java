package io.fedprune.wire;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

import static java.util.Collections.unmodifiableSortedMap;

/** Validation helpers for the records' compact constructors; each failure names the field. */
final class Checks {
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    private Checks() {
    }

    static InvalidMessageException bad(String message) {
        return new InvalidMessageException(RejectReason.INVALID_FIELD, message);
    }

    static <T> T present(T value, String field) {
        if (value == null) throw bad(field + " is missing");
        return value;
    }

    static String text(String value, String field) {
        if (value == null || value.isBlank()) throw bad(field + " must not be blank");
        return value;
    }

    static String orEmpty(String value) {
        return value == null ? "" : value;
    }

    static int atLeast(int value, int min, String field) {
        if (value < min) throw bad(field + " must be >= " + min + ", was " + value);
        return value;
    }

    static long atLeast(long value, long min, String field) {
        if (value < min) throw bad(field + " must be >= " + min + ", was " + value);
        return value;
    }

    static double finite(double value, String field) {
        if (!Double.isFinite(value)) throw new InvalidMessageException(RejectReason.NON_FINITE, field + " must be finite, was " + value);
        return value;
    }

    static double atLeast(double value, double min, String field) {
        finite(value, field);
        if (value < min) throw bad(field + " must be >= " + min + ", was " + value);
        return value;
    }

    static double positive(double value, String field) {
        finite(value, field);
        if (value <= 0) throw bad(field + " must be > 0, was " + value);
        return value;
    }

    static double fraction(double value, String field) {
        finite(value, field);
        if (value < 0 || value > 1) throw bad(field + " must be in [0, 1], was " + value);
        return value;
    }

    static double keepRatio(double value, String field) {
        finite(value, field);
        if (value <= 0 || value > 1) throw bad(field + " must be in (0, 1], was " + value);
        return value;
    }

    static String hexSha256(String value, String field) {
        if (value == null || !SHA256_HEX.matcher(value).matches()) {
            throw new InvalidMessageException(RejectReason.INVALID_FIELD, field + " must be 64 lowercase hex digits, was '" + value + "'");
        }
        return value;
    }

    static <T> List<T> list(Collection<T> values, String field) {
        if (values == null) return List.of();
        int i = 0;
        for (T v : values) {
            if (v == null) throw bad(field + "[" + i + "] is missing");
            i++;
        }
        return List.copyOf(values);
    }

    static <T> List<T> nonEmpty(Collection<T> values, String field) {
        List<T> copy = list(values, field);
        if (copy.isEmpty()) throw bad(field + " must not be empty");
        return copy;
    }

    /** An unmodifiable copy sorted by key, so that encoding is deterministic. */
    static <V> SortedMap<String, V> map(Map<String, V> values, String field) {
        if (values == null) return unmodifiableSortedMap(new TreeMap<>());
        TreeMap<String, V> copy = new TreeMap<>();
        values.forEach((k, v) -> {
            text(k, field + " key");
            copy.put(k, present(v, field + "[" + k + "]"));
        });
        return unmodifiableSortedMap(copy);
    }

    static SortedMap<String, Double> finiteValues(Map<String, Double> values, String field) {
        SortedMap<String, Double> copy = map(values, field);
        copy.forEach((k, v) -> finite(v, field + "[" + k + "]"));
        return copy;
    }

    static long elements(int[] shape, String field) {
        present(shape, field);
        long size = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) throw new InvalidMessageException(RejectReason.SHAPE_MISMATCH, field + "[" + i + "] must be >= 0, was " + shape[i]);
            size *= shape[i];
            if (size > Integer.MAX_VALUE) throw new InvalidMessageException(RejectReason.OVERSIZE, field + " has more than 2^31-1 elements");
        }
        return size;
    }
}
