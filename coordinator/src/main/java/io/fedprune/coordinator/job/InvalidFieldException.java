package io.fedprune.coordinator.job;

/** A job request with a bad field; the REST layer turns it into a 400 naming the field. */
public final class InvalidFieldException extends IllegalArgumentException {
    private final String field;

    public InvalidFieldException(String field, String message) {
        super(field.isEmpty() ? message : field + ": " + message);
        this.field = field;
    }

    /** The JSON path of the bad field, e.g. {@code tiers[1]}. */
    public String field() {
        return field;
    }
}
