package io.fedprune;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

import java.time.Duration;

/**
 * How long a test waits for something that must happen: generously long, because a busy machine (two cores, several
 * builds) is slow, not wrong. A test that waits this long has hung in practice; the test class's {@code @Timeout} is
 * the bound that ends it. Tests never fail because something took longer than usual.
 */
public final class Patience {
    /** The longest wait for one step (a broker answer, a round, a job). */
    public static final Duration STEP = Duration.ofMinutes(10);

    private Patience() {
    }

    /** Awaitility waiting up to {@link #STEP}. */
    public static ConditionFactory await() {
        return Awaitility.await().atMost(STEP);
    }
}
