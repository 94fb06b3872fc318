package io.fedprune.coordinator.api;

import io.fedprune.coordinator.Coordinator;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** A write sent to a standby coordinator (failover on, another instance leads) -> 503 {@link ApiError}. */
@Produces
@Singleton
@Requires(classes = {Coordinator.StandbyException.class, ExceptionHandler.class})
public class StandbyHandler implements ExceptionHandler<Coordinator.StandbyException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, Coordinator.StandbyException e) {
        return HttpResponse.<ApiError>status(HttpStatus.SERVICE_UNAVAILABLE).body(ApiError.of(e.getMessage()));
    }
}
