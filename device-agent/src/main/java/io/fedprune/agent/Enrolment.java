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
    /** How often {@link #http} tries to connect before it gives up. */
    int CONNECT_ATTEMPTS = 180;

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
     * answer's {@code coordinatorPublicKey} is the coordinator's key. A token is good for one device. A coordinator
     * that refuses connections is tried again once a second, {@link #CONNECT_ATTEMPTS} times (it may be starting).
     */
    static Enrolment http(URI api, String token) {
        ObjectMapper json = new ObjectMapper();
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        return (id, key) -> {
            String body = json.writeValueAsString(Map.of("token", token, "publicKey", Signatures.encodePublicKey(key)));
            HttpRequest req = HttpRequest.newBuilder(api.resolve("devices/" + id + "/enrolment"))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<String> res = null;
            for (int attempt = 1; res == null; attempt++) {
                try {
                    res = client.send(req, HttpResponse.BodyHandlers.ofString());
                } catch (java.net.ConnectException e) {   // the coordinator is not up yet (containers start together)
                    if (attempt >= CONNECT_ATTEMPTS) throw e;
                    Thread.sleep(1000);
                }
            }
            if (res.statusCode() / 100 != 2)
                throw new IllegalStateException("enrolment of " + id + " refused: HTTP " + res.statusCode() + " " + res.body());
            JsonNode answer = json.readTree(res.body());
            return Signatures.decodePublicKey(answer.path("coordinatorPublicKey").asText());
        };
    }
}
