package io.fedprune.deploy;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The demo's console: plain lines, and one progress bar per phase. On a terminal a bar redraws in place (carriage
 * return); otherwise it prints one line per step (an epoch, a round, a baseline) so logs of a CI run stay short.
 */
final class Progress {
    private static final int WIDTH = 20;

    private final PrintStream out;
    private final boolean terminal;
    private String open;   // the bar line on screen that the next output replaces, if any

    Progress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /** A line of its own. */
    synchronized void line(String text) {
        clear();
        out.println(text);
        out.flush();
    }

    /**
     * The bar of a phase at {@code done} of {@code total} steps, with details and the time left. On a terminal it
     * redraws the current line; otherwise only a finished step ({@code stepDone}) prints a line.
     */
    synchronized void bar(String phase, int done, int total, String detail, boolean stepDone) {
        String text = render(phase, done, total, detail);
        if (terminal) {
            out.print("\r" + text + "\033[K");
            open = text;
            if (done >= total && stepDone) {
                out.println();
                open = null;
            }
            out.flush();
        } else if (stepDone) {
            out.println(text);
            out.flush();
        }
    }

    static String render(String phase, int done, int total, String detail) {
        int filled = total <= 0 ? 0 : (int) Math.round((double) WIDTH * Math.min(done, total) / total);
        return String.format(Locale.ROOT, "%-11s [%s%s] %d/%d%s", phase, "#".repeat(filled), "-".repeat(WIDTH - filled), done, total,
                detail.isEmpty() ? "" : "  " + detail);
    }

    /** m:ss */
    static String clock(long ms) {
        long s = Math.round(Math.max(0, ms) / 1e3);
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    private void clear() {
        if (terminal && open != null) {
            out.print("\r\033[K");
            open = null;
        }
    }
}
