package io.fedprune.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedprune.wire.Signatures;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Map;

/**
 * How a device registers its public key with the coordinator, learning the coordinator's public key in return (with
 * which it checks round starts and deployments). Three ways: through the coordinator's REST API with a one-time
 * enrolment token the operator issued ({@link #http}); in-process, for the sandbox and tests (a method reference to
 * {@code CoordinatorNode.enrol}); or already done earlier, the coordinator's key kept from then ({@link #known}).
 */
@FunctionalInterface
public interface Enrolment {

    /**
     * Registers {@code deviceKey} for {@code deviceId}.
     *
     * @return the coordinator's public key
     * @throws Exception if the coordinator refuses (bad token, device enrolled with another key) or cannot be reached
     */
    PublicKey enrol(String deviceId, PublicKey deviceKey) throws Exception;

    /** Enrolment done before: returns {@code coordinatorKey} without asking anyone. */
    static Enrolment known(PublicKey coordinatorKey) {
        return (id, key) -> coordinatorKey;
    }

    /**
     * Enrolment through {@code POST <api>/devices/<id>/enrolment} with {@code {"token": ..., "publicKey": ...}}; the
     * answer's {@code coordinatorPublicKey} is the coordinator's key. A token is good for one device.
     */
    static Enrolment http(URI api, String token) {
        ObjectMapper json = new ObjectMapper();
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        return (id, key) -> {
            String body = json.writeValueAsString(Map.of("token", token, "publicKey", Signatures.encodePublicKey(key)));
            HttpRequest req = HttpRequest.newBuilder(api.resolve("devices/" + id + "/enrolment"))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<String> res = client.send(req, HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() / 100 != 2)
                throw new IllegalStateException("enrolment of " + id + " refused: HTTP " + res.statusCode() + " " + res.body());
            JsonNode answer = json.readTree(res.body());
            return Signatures.decodePublicKey(answer.path("coordinatorPublicKey").asText());
        };
    }
}
