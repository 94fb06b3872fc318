package io.fedprune.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Medians and ratios of interleaved repetitions: the statistics every section of the suite reports. */
final class Interleaved {
    private Interleaved() {
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }

    static double median(List<Double> xs) {
        return median(xs.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Element-wise ratios a[i] / b[i] (pairs measured in the same repetition). */
    static double[] ratios(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i] / b[i];
        return r;
    }

    static double[] toArray(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static String f(String fmt, Object... args) {
        return String.format(Locale.ROOT, fmt, args);
    }

    /** A Markdown table. */
    static final class Table {
        private final List<String> rows = new ArrayList<>();

        Table(String... header) {
            rows.add("| " + String.join(" | ", header) + " |");
            rows.add("|" + "---|".repeat(header.length));
        }

        Table row(Object... cells) {
            rows.add("| " + String.join(" | ", Arrays.stream(cells).map(String::valueOf).toList()) + " |");
            return this;
        }

        @Override
        public String toString() {
            return String.join("\n", rows) + "\n";
        }
    }
}
