package io.fedprune;

import java.util.concurrent.ThreadFactory;

/** Thread factories of the project's executors. */
public final class Threads {
    private Threads() {
    }

    /** Daemon threads named {@code name} (they never keep the JVM alive: their owner's close stops the work). */
    public static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
