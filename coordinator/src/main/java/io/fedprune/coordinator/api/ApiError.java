package io.fedprune.coordinator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The one error body of the REST API, for every 4xx: the request field at fault (a JSON path such as
 * {@code tiers[1]}, or {@code ""} when the error is not about one field) and what is wrong.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@Schema(name = "Error", description = "Every 4xx answer: the request field at fault (\"\" if none) and what is wrong")
public record ApiError(
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "JSON path of the bad field, e.g. tiers[1]; empty if the error is not about one field")
        String field,
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "What is wrong, in one sentence")
        String message) {

    /** An error not about one field. */
    public static ApiError of(String message) {
        return new ApiError("", message);
    }
}
