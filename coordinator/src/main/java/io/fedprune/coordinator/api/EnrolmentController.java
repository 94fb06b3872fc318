package io.fedprune.coordinator.api;

import io.fedprune.coordinator.CoordinatorNode;
import io.fedprune.coordinator.fleet.DeviceKeys;
import io.fedprune.coordinator.fleet.DeviceTokens;
import io.fedprune.coordinator.fleet.EnrolmentTokens;
import io.fedprune.wire.Signatures;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirements;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.security.PublicKey;

/**
 * Device enrolment (docs/SECURITY.md): the operator issues one-time enrolment tokens (bearer token needed); a device
 * presents one with its Ed25519 public key and learns the coordinator's public key; the operator can revoke a key.
 */
@Controller
@Tag(name = "devices")
@ExecuteOn(TaskExecutors.BLOCKING)
public class EnrolmentController {
    private final CoordinatorNode node;
    private final EnrolmentTokens tokens;
    private final DeviceTokens deviceTokens;
    private final ApiConfig api;

    public EnrolmentController(CoordinatorNode node, ApiConfig api) {
        this.node = node;
        this.api = api;
        this.tokens = new EnrolmentTokens(System::currentTimeMillis);
        this.deviceTokens = api.deviceTokensDir() == null ? null : new DeviceTokens(java.nio.file.Path.of(api.deviceTokensDir()));
    }

    /** A one-time enrolment token. */
    @Schema(name = "EnrolmentToken")
    public record TokenView(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) String token,
                            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "Unix epoch ms") long expiresAtMs) {
    }

    /** What a device sends to enrol. */
    @Schema(name = "EnrolmentRequest")
    public record EnrolmentRequest(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) String token,
                                   @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "Base64 X.509 Ed25519 public key") String publicKey) {
    }

    /** The answer to an enrolment. */
    @Schema(name = "Enrolled")
    public record Enrolled(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) String deviceId,
                           @Schema(requiredMode = Schema.RequiredMode.REQUIRED) String fingerprint,
                           @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "Base64 X.509 Ed25519 public key of the coordinator") String coordinatorPublicKey) {
    }

    @Post("/enrolment-tokens")
    @SecurityRequirement(name = "bearer")
    @Operation(operationId = "issueEnrolmentToken", summary = "Issue a one-time enrolment token (bearer token needed)")
    @ApiResponse(responseCode = "201", description = "The token", content = @Content(schema = @Schema(implementation = TokenView.class)))
    @ApiResponse(responseCode = "401", description = "No or a wrong bearer token", content = @Content(schema = @Schema(implementation = ApiError.class)))
    public HttpResponse<TokenView> issue() {
        String t = tokens.issue(api.enrolmentTokenTtlMs());
        return HttpResponse.created(new TokenView(t, System.currentTimeMillis() + api.enrolmentTokenTtlMs()));
    }

    @Post("/devices/{id}/enrolment")
    @SecurityRequirements
    @Operation(operationId = "enrolDevice", summary = "Enrol a device's public key with a one-time enrolment token or its device token",
            description = "No bearer token: the enrolment token (or the device's own token from fedprune.api.device-tokens-dir) authenticates "
                    + "the call. A token never replaces the key of an enrolled device.")
    @ApiResponse(responseCode = "201", description = "Enrolled", content = @Content(schema = @Schema(implementation = Enrolled.class)))
    @ApiResponse(responseCode = "400", description = "A bad public key", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "401", description = "An unknown, used or expired enrolment token, and not the device's token", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "409", description = "The device is enrolled with another key", content = @Content(schema = @Schema(implementation = ApiError.class)))
    public HttpResponse<?> enrol(@PathVariable String id, @Body EnrolmentRequest request) {
        PublicKey key;
        try {
            key = Signatures.decodePublicKey(request.publicKey() == null ? "" : request.publicKey());
        } catch (IllegalArgumentException e) {
            return HttpResponse.badRequest(new ApiError("publicKey", e.getMessage()));
        }
        boolean byDeviceToken = deviceTokens != null && deviceTokens.matches(id, request.token());
        if (byDeviceToken) {
            java.util.Optional<DeviceKeys.Entry> old = node.deviceKeys().get(id);
            if (old.isPresent() && (old.get().revoked() || !old.get().publicKey().equals(Signatures.encodePublicKey(key))))
                return HttpResponse.status(HttpStatus.CONFLICT).body(ApiError.of("device " + id
                        + " already has a key (or had one revoked): a device token never gives it a new one"));
        } else if (!tokens.redeem(request.token())) {
            return HttpResponse.status(HttpStatus.UNAUTHORIZED).body(new ApiError("token", "unknown, used or expired enrolment token"));
        }
        try {
            DeviceKeys.Entry e = node.deviceKeys().enrol(id, key, false);
            return HttpResponse.created(new Enrolled(id, e.fingerprint(), Signatures.encodePublicKey(node.coordinatorKey())));
        } catch (DeviceKeys.ConflictException e) {
            return HttpResponse.status(HttpStatus.CONFLICT).body(ApiError.of(e.getMessage()));
        }
    }

    @Post("/devices/{id}/revoke")
    @SecurityRequirement(name = "bearer")
    @Operation(operationId = "revokeDevice", summary = "Revoke a device's key (bearer token needed): its messages are refused from now on")
    @ApiResponse(responseCode = "202", description = "Revoked")
    @ApiResponse(responseCode = "401", description = "No or a wrong bearer token", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "404", description = "No such enrolled device", content = @Content(schema = @Schema(implementation = ApiError.class)))
    public HttpResponse<?> revoke(@PathVariable String id) {
        return node.deviceKeys().revoke(id) ? HttpResponse.accepted() : HttpResponse.notFound(ApiError.of("no enrolled device " + id));
    }
}
