package io.fedprune.deploy.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A minimal SVG line chart (no dependencies): several named series of (x, y) points, linear axes with "nice" ticks,
 * a legend. Enough for the demo report's plots; renders identically everywhere (no fonts embedded, no scripts).
 */
public final class SvgChart {

    /** One line of the chart. */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            Objects.requireNonNull(name, "name");
            if (x.length != y.length) throw new IllegalArgumentException("series " + name + ": " + x.length + " x values but " + y.length + " y values");
            x = x.clone();
            y = y.clone();
        }
    }

    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f"};
    private static final int W = 640, H = 360, LEFT = 64, RIGHT = 170, TOP = 36, BOTTOM = 48;

    private final String title, xLabel, yLabel;
    private final List<Series> series = new ArrayList<>();

    public SvgChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** Adds a series; returns this chart. */
    public SvgChart add(String name, double[] x, double[] y) {
        series.add(new Series(name, x, y));
        return this;
    }

    /** The chart as a standalone SVG document. */
    public String render() {
        double xmin = Double.POSITIVE_INFINITY, xmax = Double.NEGATIVE_INFINITY, ymin = Double.POSITIVE_INFINITY, ymax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isFinite(s.y()[i])) continue;
                xmin = Math.min(xmin, s.x()[i]);
                xmax = Math.max(xmax, s.x()[i]);
                ymin = Math.min(ymin, s.y()[i]);
                ymax = Math.max(ymax, s.y()[i]);
            }
        }
        if (!(xmin <= xmax)) { xmin = 0; xmax = 1; ymin = 0; ymax = 1; }
        if (xmin == xmax) { xmin -= 1; xmax += 1; }
        if (ymin == ymax) { ymin -= Math.max(1e-3, Math.abs(ymin) * 0.05); ymax += Math.max(1e-3, Math.abs(ymax) * 0.05); }
        double[] xt = ticks(xmin, xmax), yt = ticks(ymin, ymax);
        xmin = Math.min(xmin, xt[0]);
        xmax = Math.max(xmax, xt[xt.length - 1]);
        ymin = Math.min(ymin, yt[0]);
        ymax = Math.max(ymax, yt[yt.length - 1]);
        final double x0 = xmin, x1 = xmax, y0 = ymin, y1 = ymax;
        int pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM;
        java.util.function.DoubleUnaryOperator px = v -> LEFT + (v - x0) / (x1 - x0) * pw;
        java.util.function.DoubleUnaryOperator py = v -> TOP + ph - (v - y0) / (y1 - y0) * ph;

        StringBuilder sb = new StringBuilder();
        sb.append(f("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H, W, H));
        sb.append(f("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H));
        sb.append(f("<text x=\"%d\" y=\"20\" font-size=\"14\" font-weight=\"bold\">%s</text>\n", LEFT, esc(title)));
        for (double t : yt) {
            double y = py.applyAsDouble(t);
            sb.append(f("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>\n", LEFT, y, LEFT + pw, y));
            sb.append(f("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", LEFT - 6, y + 4, num(t)));
        }
        for (double t : xt) {
            double x = px.applyAsDouble(t);
            sb.append(f("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e0e0e0\"/>\n", x, TOP, x, TOP + ph));
            sb.append(f("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x, TOP + ph + 16, num(t)));
        }
        sb.append(f("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>\n", LEFT, TOP, pw, ph));
        sb.append(f("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", LEFT + pw / 2, H - 10, esc(xLabel)));
        sb.append(f("<text x=\"14\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">%s</text>\n", TOP + ph / 2, TOP + ph / 2, esc(yLabel)));
        for (int s = 0; s < series.size(); s++) {
            Series se = series.get(s);
            String c = COLOURS[s % COLOURS.length];
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < se.x().length; i++) {
                if (!Double.isFinite(se.y()[i])) continue;
                double x = px.applyAsDouble(se.x()[i]), y = py.applyAsDouble(se.y()[i]);
                pts.append(f("%.1f,%.1f ", x, y));
                sb.append(f("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", x, y, c));
            }
            sb.append(f("<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>\n", pts.toString().trim(), c));
            int ly = TOP + 10 + s * 18;
            sb.append(f("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>\n", LEFT + pw + 12, ly, LEFT + pw + 32, ly, c));
            sb.append(f("<text x=\"%d\" y=\"%d\">%s</text>\n", LEFT + pw + 38, ly + 4, esc(se.name())));
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    /** About five round-numbered ticks covering [lo, hi] (step 1, 2 or 5 times a power of ten). */
    static double[] ticks(double lo, double hi) {
        double raw = (hi - lo) / 5, mag = Math.pow(10, Math.floor(Math.log10(raw))), step;
        double r = raw / mag;
        step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
        double start = Math.floor(lo / step) * step, end = Math.ceil(hi / step) * step;
        int n = (int) Math.round((end - start) / step) + 1;
        double[] t = new double[n];
        for (int i = 0; i < n; i++) t[i] = start + i * step;
        return t;
    }

    private static String num(double v) {
        if (Math.abs(v) < 1e-12) return "0";
        if (Math.abs(v - Math.rint(v)) < 1e-9 && Math.abs(v) < 1e7) return String.valueOf((long) Math.rint(v));
        return String.format(Locale.ROOT, "%.3g", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String f(String fmt, Object... args) {
        return String.format(Locale.ROOT, fmt, args);
    }
}
