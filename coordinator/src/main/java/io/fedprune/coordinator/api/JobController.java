package io.fedprune.coordinator.api;

import io.fedprune.coordinator.Coordinator;
import io.fedprune.coordinator.job.JobRequest;
import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.coordinator.job.JobViews;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Status;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.util.List;

/** Jobs: create, list, inspect, cancel, and the deployment artifacts. Every 4xx body is an {@link ApiError}. */
@Controller("/jobs")
@Tag(name = "jobs")
@ExecuteOn(TaskExecutors.BLOCKING)
public class JobController {
    private final Coordinator coordinator;
    private final ApiConfig api;

    public JobController(Coordinator coordinator, ApiConfig api) {
        this.coordinator = coordinator;
        this.api = api;
    }

    /** The answer to a cancel request. */
    @Schema(name = "Cancelling")
    public record Cancelling(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) String id,
                             @Schema(requiredMode = Schema.RequiredMode.REQUIRED) boolean cancelling) {
    }

    @Post
    @Status(HttpStatus.CREATED)
    @SecurityRequirement(name = "bearer")
    @Operation(operationId = "createJob", summary = "Create a job",
            description = "Starts a federated pruning job; every field is optional (defaults in JobSpec.DEFAULT_*).")
    @ApiResponse(responseCode = "201", description = "The job, started", content = @Content(schema = @Schema(implementation = JobViews.JobView.class)))
    @ApiResponse(responseCode = "400", description = "A bad field, named: out of range or past a limit, unknown, of the wrong type; or too many jobs running",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "401", description = "No or a wrong bearer token", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "503", description = "This coordinator is a standby (failover on): send it to the leader",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public HttpResponse<JobViews.JobView> create(@Body @Nullable JobRequest request) {
        return HttpResponse.created(coordinator.submit(request == null ? JobRequest.empty() : request, api.limits()));
    }

    @Get
    @Operation(operationId = "listJobs", summary = "Every job, oldest first")
    @ApiResponse(responseCode = "200", description = "The jobs", content = @Content(array = @ArraySchema(schema = @Schema(implementation = JobViews.JobView.class))))
    public List<JobViews.JobView> list() {
        return coordinator.jobs();
    }

    @Get("/{id}")
    @Operation(operationId = "getJob", summary = "A job's state, live progress, per-round metrics and deployments")
    @ApiResponse(responseCode = "200", description = "The job", content = @Content(schema = @Schema(implementation = JobViews.JobView.class)))
    @ApiResponse(responseCode = "404", description = "No such job", content = @Content(schema = @Schema(implementation = ApiError.class)))
    public HttpResponse<?> get(@PathVariable String id) {
        return coordinator.view(id).<HttpResponse<?>>map(HttpResponse::ok).orElseGet(() -> noSuchJob(id));
    }

    @Post("/{id}/cancel")
    @Status(HttpStatus.ACCEPTED)
    @SecurityRequirement(name = "bearer")
    @Operation(operationId = "cancelJob", summary = "Cancel a running job", description = "The job stops after its current round.")
    @ApiResponse(responseCode = "202", description = "Cancelling", content = @Content(schema = @Schema(implementation = Cancelling.class)))
    @ApiResponse(responseCode = "401", description = "No or a wrong bearer token", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "404", description = "No such job", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "409", description = "The job already ended", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "503", description = "This coordinator is a standby (failover on): send it to the leader",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public HttpResponse<?> cancel(@PathVariable String id) {
        if (coordinator.view(id).isEmpty()) return noSuchJob(id);
        if (coordinator.cancel(id)) return HttpResponse.accepted().body(new Cancelling(id, true));
        return HttpResponse.status(HttpStatus.CONFLICT).body(ApiError.of("job " + id + " already ended"));
    }

    @Get(value = "/{id}/deployments/{tier}", produces = {MediaType.APPLICATION_OCTET_STREAM, ONNX, MediaType.APPLICATION_JSON})
    @Operation(operationId = "downloadArtifact", summary = "A tier's deployment artifact: safetensors (default) or ONNX",
            description = "The safetensors artifact (format fedprune-tier/3, docs/ARTIFACTS.md), or with ?format=onnx or "
                    + "Accept: application/onnx the tier as an ONNX model (FILTER layers physically smaller, k-of-n layers masked).",
            // responses inside @Operation keep their media types: as separate @ApiResponse annotations, micronaut-openapi
            // lists an application/json error under every type the method produces (octet-stream and ONNX included)
            responses = {
                    @ApiResponse(responseCode = "200", description = "The artifact", content = {
                            @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM, schema = @Schema(type = "string", format = "binary")),
                            @Content(mediaType = ONNX, schema = @Schema(type = "string", format = "binary"))}),
                    @ApiResponse(responseCode = "400", description = "Unknown format",
                            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class))),
                    @ApiResponse(responseCode = "404", description = "No such job or tier, or not deployed yet",
                            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))})
    public HttpResponse<?> artifact(@PathVariable String id,
                                    @Parameter(description = "keep-0.05, or the keep ratio 0.05") @PathVariable String tier,
                                    @Parameter(description = "safetensors (default) or onnx; overrides Accept") @Nullable @QueryValue String format,
                                    @Nullable @Header("Accept") String accept) {
        String name = tier.startsWith("keep-") ? tier : JobSpec.tierName(parse(tier));
        boolean onnx;
        if (format != null) {
            if (!format.equals("onnx") && !format.equals("safetensors"))
                return HttpResponse.badRequest(new ApiError("format", "must be onnx or safetensors, was '" + format + "'"))
                        .contentType(MediaType.APPLICATION_JSON_TYPE);
            onnx = format.equals("onnx");
        } else onnx = accept != null && accept.contains(ONNX);
        return (onnx ? coordinator.onnx(id, name) : coordinator.artifact(id, name))
                .<HttpResponse<?>>map(b -> HttpResponse.ok(b).contentType(onnx ? ONNX : MediaType.APPLICATION_OCTET_STREAM)
                        .header("Content-Disposition", "attachment; filename=\"" + id + "-" + name + (onnx ? ".onnx" : ".safetensors") + "\""))
                .orElseGet(() -> HttpResponse.notFound(ApiError.of("job " + id + " has no deployed tier " + name))
                        .contentType(MediaType.APPLICATION_JSON_TYPE));
    }

    /** The media type of ONNX models. */
    static final String ONNX = "application/onnx";

    private static HttpResponse<ApiError> noSuchJob(String id) {
        return HttpResponse.notFound(ApiError.of("no job " + id));
    }

    private static double parse(String tier) {
        try {
            return Double.parseDouble(tier);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
