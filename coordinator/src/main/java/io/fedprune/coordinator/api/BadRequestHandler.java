package io.fedprune.coordinator.api;

import io.fedprune.coordinator.job.InvalidFieldException;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** A bad job field -> 400 {@link ApiError} naming it. */
@Produces
@Singleton
@Requires(classes = {InvalidFieldException.class, ExceptionHandler.class})
public class BadRequestHandler implements ExceptionHandler<InvalidFieldException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, InvalidFieldException e) {
        return HttpResponse.badRequest(new ApiError(e.field(), e.getMessage()));
    }
}
