package io.fedprune.coordinator.api;

import io.fedprune.coordinator.Coordinator;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.coordinator.job.JobViews;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.util.List;
import java.util.Map;

/** Jobs: create, list, inspect, cancel, and the deployment artifacts. */
@Controller("/jobs")
@Tag(name = "jobs")
@ExecuteOn(TaskExecutors.BLOCKING)
public class JobController {
    private final Coordinator coordinator;

    public JobController(Coordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Post
    @Operation(summary = "Create a job", description = "Starts a federated pruning job; every field is optional (defaults in JobSpec). A bad field gives 400 naming it.")
    public HttpResponse<JobViews.JobView> create(@Body JobSpec spec) {
        return HttpResponse.created(coordinator.submit(spec == null ? JobSpec.defaults() : spec));
    }

    @Get
    @Operation(summary = "List jobs")
    public List<JobViews.JobView> list() {
        return coordinator.jobs();
    }

    @Get("/{id}")
    @Operation(summary = "A job's status and per-round metrics")
    public HttpResponse<JobViews.JobView> get(@PathVariable String id) {
        return coordinator.view(id).map(HttpResponse::ok).orElseGet(HttpResponse::notFound);
    }

    @Post("/{id}/cancel")
    @Operation(summary = "Cancel a running job")
    public HttpResponse<Map<String, Object>> cancel(@PathVariable String id) {
        if (coordinator.view(id).isEmpty()) return HttpResponse.notFound();
        boolean done = coordinator.cancel(id);
        return done ? HttpResponse.accepted().body(Map.of("id", id, "cancelling", true))
                : HttpResponse.<Map<String, Object>>status(HttpStatus.CONFLICT).body(Map.of("id", id, "message", "job already ended"));
    }

    @Get(value = "/{id}/deployments/{tier}", produces = MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "A tier's deployment artifact (safetensors with <layer>.mask, .values, .indices)")
    public HttpResponse<byte[]> artifact(@PathVariable String id, @PathVariable String tier) {
        String name = tier.startsWith("keep-") ? tier : JobSpec.tierName(parse(tier));
        return coordinator.artifact(id, name)
                .map(b -> HttpResponse.ok(b).header("Content-Disposition", "attachment; filename=\"" + id + "-" + name + ".safetensors\""))
                .orElseGet(HttpResponse::notFound);
    }

    private static double parse(String tier) {
        try {
            return Double.parseDouble(tier);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
