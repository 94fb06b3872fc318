package io.fedprune.coordinator.api;

import io.fedprune.coordinator.job.InvalidFieldException;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

import java.util.Map;

/** A bad job field -> 400 {@code {"field": ..., "message": ...}}. */
@Produces
@Singleton
@Requires(classes = {InvalidFieldException.class, ExceptionHandler.class})
public class BadRequestHandler implements ExceptionHandler<InvalidFieldException, HttpResponse<Map<String, String>>> {
    @Override
    public HttpResponse<Map<String, String>> handle(HttpRequest request, InvalidFieldException e) {
        return HttpResponse.badRequest(Map.of("field", e.field(), "message", e.getMessage()));
    }
}
