package io.fedprune.coordinator.api;

import io.fedprune.coordinator.Coordinator;
import io.fedprune.coordinator.job.JobViews;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.sse.Event;
import io.swagger.v3.oas.annotations.Hidden;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

import java.net.URI;
import java.time.Duration;

/**
 * What the dashboard (static files under {@code /ui}) needs beyond the REST API: server-sent events naming what
 * changed (the page then re-reads that job or the fleet) and the mask pictures of a job's latest round.
 */
@Controller
@Tag(name = "dashboard")
public class DashboardController {
    /** Changes of one job (or of the fleet) closer together than this reach a browser once. */
    static final Duration COALESCE = Duration.ofMillis(300);
    static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

    private final Coordinator coordinator;
    private final Sinks.Many<Coordinator.Change> changes = Sinks.many().multicast().directBestEffort();

    public DashboardController(Coordinator coordinator) {
        this.coordinator = coordinator;
        coordinator.onChange(c -> {
            synchronized (changes) {
                changes.tryEmitNext(c);
            }
        });
    }

    @Get
    @Hidden
    public HttpResponse<?> root() {
        return HttpResponse.seeOther(URI.create("/ui/index.html"));
    }

    @Get(value = "/events", produces = MediaType.TEXT_EVENT_STREAM)
    @Operation(operationId = "streamChanges", summary = "Server-sent events: 'job' (data: the job id) or 'fleet' when they change")
    public Publisher<Event<String>> events() {
        Flux<Event<String>> live = changes.asFlux()
                .groupBy(Coordinator.Change::jobId)
                .flatMap(g -> g.sample(COALESCE))
                .map(c -> Event.of(c.jobId().isEmpty() ? c.kind() : c.jobId()).name(c.kind()));   // an event without data never fires
        Flux<Event<String>> ping = Flux.interval(KEEP_ALIVE).map(i -> Event.of("ping").name("ping"));
        return Flux.merge(Flux.just(Event.of("hello").name("hello")), live, ping);
    }

    @Get("/jobs/{id}/masks/{tier}")
    @Operation(operationId = "getMasks", summary = "A tier's masks in the job's latest round, one picture per layer",
            description = "Kept only in the coordinator's memory: 404 after a restart until the job's next round.")
    @ApiResponse(responseCode = "200", description = "The mask pictures", content = @Content(schema = @Schema(implementation = JobViews.MaskView.class)))
    @ApiResponse(responseCode = "404", description = "No such job or tier, or no round yet", content = @Content(schema = @Schema(implementation = ApiError.class)))
    public HttpResponse<?> masks(@PathVariable String id, @PathVariable String tier) {
        return coordinator.masks(id, tier).<HttpResponse<?>>map(HttpResponse::ok)
                .orElseGet(() -> HttpResponse.notFound(ApiError.of("no mask pictures for job " + id + " tier " + tier)));
    }
}
