package io.fedprune.dpp;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Splits a range of groups over the calling thread and one shared daemon worker thread. */
final class RowParallel {
    private RowParallel() {
    }

    /** Work on groups {@code [g0, g1)}; {@code part} is 0 on the calling thread, 1 on the worker. */
    interface Body {
        void run(int g0, int g1, int part);
    }

    private static final class Holder {
        static final ExecutorService WORKER = Executors.newSingleThreadExecutor(r -> {   // the math depends on nothing of the project's (LayersTest)
            Thread t = new Thread(r, "fedprune-dpp-worker");
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code body} over {@code [0, groups)}: in the calling thread, or halved over two threads. */
    static void run(int groups, int threads, Body body) {
        if (threads < 2 || groups < 2) {
            body.run(0, groups, 0);
            return;
        }
        int h = groups / 2;
        Future<?> f = Holder.WORKER.submit(() -> body.run(h, groups, 1));
        Throwable mine = null;
        try {
            body.run(0, h, 0);
        } catch (Throwable t) {
            mine = t;
        }
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the DPP worker", e);
        } catch (ExecutionException e) {
            if (mine == null) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException re) throw re;
                if (c instanceof Error er) throw er;
                throw new IllegalStateException(c);
            }
        }
        if (mine instanceof RuntimeException re) throw re;
        if (mine instanceof Error er) throw er;
    }
}
