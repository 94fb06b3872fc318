package io.fedprune.wire;

import java.util.Objects;
import java.util.function.Function;

/**
 * The outcome of decoding: either a value or a {@link Rejection}. Decoders return it instead of throwing, so a
 * consumer loop can dead-letter bad records and go on.
 *
 * @param <T> the decoded type
 */
public final class Decoded<T> {
    private final T value;
    private final Rejection rejection;

    private Decoded(T value, Rejection rejection) {
        this.value = value;
        this.rejection = rejection;
    }

    /** A successfully decoded value. */
    public static <T> Decoded<T> ok(T value) {
        return new Decoded<>(Objects.requireNonNull(value, "value"), null);
    }

    /** A rejection. */
    public static <T> Decoded<T> rejected(Rejection rejection) {
        return new Decoded<>(null, Objects.requireNonNull(rejection, "rejection"));
    }

    /** A rejection with the given reason and detail. */
    public static <T> Decoded<T> rejected(RejectReason reason, String detail) {
        return rejected(new Rejection(reason, detail));
    }

    /** True if a value was decoded. */
    public boolean isOk() {
        return rejection == null;
    }

    /** The value; throws {@link InvalidMessageException} (with the rejection's reason) if rejected. */
    public T value() {
        if (rejection != null) throw new InvalidMessageException(rejection.reason(), rejection.detail());
        return value;
    }

    /** The rejection; throws {@link IllegalStateException} if a value was decoded. */
    public Rejection rejection() {
        if (rejection == null) throw new IllegalStateException("decoded successfully, no rejection");
        return rejection;
    }

    /** Applies {@code f} to the value; a rejection stays as it is. */
    public <R> Decoded<R> map(Function<? super T, ? extends R> f) {
        return rejection == null ? ok(f.apply(value)) : rejected(rejection);
    }

    @Override
    public String toString() {
        return rejection == null ? "Decoded[" + value + "]" : "Rejected[" + rejection + "]";
    }
}
