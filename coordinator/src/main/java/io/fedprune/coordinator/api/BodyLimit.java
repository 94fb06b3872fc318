package io.fedprune.coordinator.api;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.exceptions.ContentLengthExceededException;
import io.swagger.v3.oas.annotations.Hidden;

/** A request body over {@code micronaut.server.max-request-size}: 400 in the API's error format. */
@Controller
@Hidden
public class BodyLimit {
    @Error(global = true)
    public HttpResponse<ApiError> tooLarge(HttpRequest<?> request, ContentLengthExceededException e) {
        return HttpResponse.badRequest(ApiError.of("request body too large: " + e.getMessage() + " (micronaut.server.max-request-size)"));
    }
}
