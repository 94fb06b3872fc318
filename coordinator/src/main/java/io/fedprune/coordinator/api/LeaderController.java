package io.fedprune.coordinator.api;

import io.fedprune.coordinator.Coordinator;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

/**
 * Whether this coordinator leads (runs the jobs and takes writes): always without failover; with failover, only the
 * elected instance. Open without a token, as a readiness probe, so that a Service sends requests to the leader only.
 */
@Controller("/leader")
@Tag(name = "fleet")
public class LeaderController {
    private final Coordinator coordinator;

    public LeaderController(Coordinator coordinator) {
        this.coordinator = coordinator;
    }

    /** The answer: whether this instance leads. */
    @Schema(name = "Leadership")
    public record Leading(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) boolean leading) {
    }

    @Get
    @Operation(operationId = "getLeadership", summary = "Whether this coordinator leads (a readiness probe under failover)")
    @ApiResponse(responseCode = "200", description = "It leads", content = @Content(schema = @Schema(implementation = Leading.class)))
    @ApiResponse(responseCode = "503", description = "It is a standby", content = @Content(schema = @Schema(implementation = ApiError.class)))
    public HttpResponse<?> leader() {
        if (coordinator.leading()) return HttpResponse.ok(new Leading(true));
        return HttpResponse.status(HttpStatus.SERVICE_UNAVAILABLE).body(ApiError.of(Coordinator.StandbyException.MESSAGE));
    }
}
