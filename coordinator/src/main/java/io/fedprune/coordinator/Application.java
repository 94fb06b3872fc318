package io.fedprune.coordinator;

import io.micronaut.runtime.Micronaut;

/** The coordinator service's entry point. */
public final class Application {
    public static void main(String[] args) {
        Micronaut.run(Application.class, args);
    }
}
