package io.fedprune.wire;

import java.util.List;
import java.util.OptionalLong;

/**
 * The capability tags a device declares in its {@link DeviceProfile} that limit which jobs it is selected for: the
 * one place of their format. {@code max-params:N}: the device runs models of at most N parameters. (Other tags, such
 * as {@code encoding:int8} or {@code model:lenet5}, are free-form.)
 */
public final class Capabilities {
    /** Prefix of the largest model a device runs, in parameters. */
    public static final String MAX_PARAMS = "max-params:";

    private Capabilities() {
    }

    /** The tag of a parameter limit, e.g. {@code max-params:100000}. */
    public static String maxParams(long n) {
        if (n < 1) throw new IllegalArgumentException("max-params must be >= 1, was " + n);
        return MAX_PARAMS + n;
    }

    /** The smallest parameter limit among the tags; empty when there is none (or it does not parse). */
    public static OptionalLong maxParams(List<String> tags) {
        OptionalLong out = OptionalLong.empty();
        for (String t : tags) {
            if (!t.startsWith(MAX_PARAMS)) continue;
            try {
                long n = Long.parseLong(t.substring(MAX_PARAMS.length()));
                if (out.isEmpty() || n < out.getAsLong()) out = OptionalLong.of(n);
            } catch (NumberFormatException e) {
                // a malformed limit declares nothing
            }
        }
        return out;
    }

    /** Whether a device with these tags runs a model of {@code params} parameters. */
    public static boolean fits(List<String> tags, long params) {
        OptionalLong max = maxParams(tags);
        return max.isEmpty() || params <= max.getAsLong();
    }
}
