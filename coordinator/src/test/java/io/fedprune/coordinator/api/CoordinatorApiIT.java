package io.fedprune.coordinator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedprune.data.TestData;
import io.fedprune.kafka.EmbeddedBroker;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import java.util.concurrent.TimeUnit;

/** The REST API over HTTP: the Micronaut application against an embedded broker. */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
class CoordinatorApiIT {
    static EmbeddedBroker broker;
    static EmbeddedServer server;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedBroker.start(EmbeddedBroker.Config.defaults());
        server = ApplicationContext.run(EmbeddedServer.class, Map.of(
                "micronaut.server.port", -1,
                "fedprune.coordinator.bootstrap-servers", broker.bootstrapServers(),
                "fedprune.coordinator.topic-prefix", "api.",
                "fedprune.coordinator.data-dir", TestData.mnistMini().toString(),
                "fedprune.coordinator.work-dir", Files.createTempDirectory("fedprune-api").toString()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.getApplicationContext().close();
        broker.close();
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.getURL() + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String path, String json) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.getURL() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void badRequestsAreRejectedNamingTheField() throws Exception {
        Map<String, String> cases = Map.of(
                "{\"tiers\": [0.1, 1.5]}", "tiers[1]",
                "{\"arch\": \"vgg16\"}", "arch",
                "{\"rounds\": 0}", "rounds",
                "{\"fusion\": \"VOTE\"}", "fusion",
                "{\"weighting\": \"BY_SIZE\"}", "weighting",
                "{\"layers\": [{\"layer\": \"conv9\"}]}", "layers[0].layer",
                "{\"layers\": [{\"layer\": \"fc1\", \"granularity\": \"KERNEL\"}]}", "layers[0].granularity",
                "{\"quorum\": 1.5}", "quorum");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> r = post("/jobs", c.getKey());
            assertEquals(400, r.statusCode(), c.getKey() + " -> " + r.body());
            assertEquals(c.getValue(), JSON.readTree(r.body()).path("field").asText(), r.body());
        }
        HttpResponse<String> r = post("/jobs", "{\"rounds\": \"many\"}");
        assertError(r, 400, "rounds");
        assertError(post("/jobs", "{\"layers\": [{\"layer\": \"fc1\", \"granularity\": 7}], \"tiers\": [\"x\"]}"), 400, "tiers[0]");
        assertError(post("/jobs", "{\"rounds\": "), 400, "");
        assertError(get("/jobs/no-such-job"), 404, "");
        assertError(post("/jobs/no-such-job/cancel", ""), 404, "");
        assertError(get("/no/such/path"), 404, "");
    }

    /** Every 4xx has the one error format: exactly the keys field and message, a non-empty message. */
    static void assertError(HttpResponse<String> r, int status, String field) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = JSON.readTree(r.body());
        java.util.List<String> keys = new java.util.ArrayList<>();
        e.fieldNames().forEachRemaining(keys::add);
        assertEquals(java.util.List.of("field", "message"), keys, r.body());
        assertEquals(field, e.path("field").asText(), r.body());
        assertFalse(e.path("message").asText().isBlank(), r.body());
    }

    @Test
    void createInspectAndCancelAJob() throws Exception {
        HttpResponse<String> created = post("/jobs", "{\"rounds\": 3, \"pretrainEpochs\": 0, \"tiers\": [0.25, 0.05], \"seed\": 5}");
        assertEquals(201, created.statusCode(), created.body());
        JsonNode job = JSON.readTree(created.body());
        String id = job.path("id").asText();
        assertEquals("RUNNING", job.path("state").asText());
        assertEquals("lenet300", job.path("spec").path("arch").asText());
        assertEquals("[0.05,0.25]", job.path("spec").path("tiers").toString());   // defaults filled, tiers sorted
        assertEquals("RANK", job.path("spec").path("fusion").asText());
        assertEquals("SQRT_SAMPLES", job.path("spec").path("weighting").asText());

        JsonNode fetched = JSON.readTree(get("/jobs/" + id).body());
        assertEquals(id, fetched.path("id").asText());
        JsonNode all = JSON.readTree(get("/jobs").body());
        assertTrue(all.isArray() && all.size() >= 1);
        assertEquals(200, get("/devices").statusCode());
        assertError(get("/jobs/" + id + "/deployments/keep-0.05"), 404, "");
        assertError(get("/jobs/" + id + "/deployments/keep-0.05?format=onnx"), 404, "");
        assertError(get("/jobs/" + id + "/deployments/keep-0.05?format=pt"), 400, "format");

        HttpResponse<String> cancel = post("/jobs/" + id + "/cancel", "");
        assertEquals(202, cancel.statusCode(), cancel.body());
        await().atMost(Duration.ofSeconds(30)).until(() -> JSON.readTree(get("/jobs/" + id).body()).path("state").asText().equals("CANCELLED"));
        assertError(post("/jobs/" + id + "/cancel", ""), 409, "");
    }

    @Test
    void anUploadedModelIsStoredAsABlobAndNotLogged() throws Exception {
        java.util.List<io.fedprune.wire.Safetensors.Entry> entries = new java.util.ArrayList<>();
        for (io.fedprune.model.Tensor t : io.fedprune.model.Model.init(io.fedprune.model.ModelArch.LENET300.graph(), 3).toTensors())
            entries.add(io.fedprune.wire.Safetensors.Entry.of(t));
        String b64 = java.util.Base64.getEncoder().encodeToString(io.fedprune.wire.Safetensors.write(entries, Map.of()));
        HttpResponse<String> created = post("/jobs", "{\"rounds\": 2, \"modelSafetensors\": \"" + b64 + "\"}");
        assertEquals(201, created.statusCode(), created.body());
        JsonNode spec = JSON.readTree(created.body()).path("spec");
        assertTrue(spec.path("modelSafetensors").isMissingNode() || spec.path("modelSafetensors").isNull(), "the model bytes must not be kept in the spec");
        assertTrue(spec.path("modelBlob").asText().contains("blobId"), spec.toString());
        assertEquals(202, post("/jobs/" + JSON.readTree(created.body()).path("id").asText() + "/cancel", "").statusCode());

        HttpResponse<String> bad = post("/jobs", "{\"modelSafetensors\": \"%%%\"}");
        assertEquals(400, bad.statusCode(), bad.body());
        assertEquals("modelSafetensors", JSON.readTree(bad.body()).path("field").asText());
        String notAModel = java.util.Base64.getEncoder().encodeToString("hello".getBytes());
        bad = post("/jobs", "{\"modelSafetensors\": \"" + notAModel + "\"}");
        assertEquals(400, bad.statusCode(), bad.body());
        assertEquals("modelSafetensors", JSON.readTree(bad.body()).path("field").asText());
    }

    static OpenApiDoc openApi() throws Exception {
        HttpResponse<String> api = get("/swagger/fedprune-0.1.yml");
        assertEquals(200, api.statusCode());
        return new OpenApiDoc(api.body());
    }

    /** A real response conforms to the OpenAPI document: status code documented, body fits the schema. */
    static void conforms(OpenApiDoc doc, String method, String path, HttpResponse<?> r) throws Exception {
        String type = r.headers().firstValue("Content-Type").orElse("");
        String body = r.body() instanceof String str ? str : "";
        List<String> problems = doc.check(method, path, r.statusCode(), type, body);
        assertTrue(problems.isEmpty(), String.join("\n", problems) + "\n" + body);
    }

    @Test
    void responsesMatchTheOpenApiDocument() throws Exception {
        OpenApiDoc doc = openApi();
        assertEquals(java.util.Set.of("createJob", "listJobs", "getJob", "cancelJob", "downloadArtifact", "listDevices",
                "streamChanges", "getMasks"), new java.util.HashSet<>(doc.operationIds()));
        assertEquals("#/components/schemas/JobState", doc.schema("JobViews.JobView").path("properties").path("state").path("$ref").asText());
        assertEquals("[\"PENDING\",\"RUNNING\",\"COMPLETED\",\"CANCELLED\",\"FAILED\"]", doc.schema("JobState").path("enum").toString());
        assertEquals("[\"RANK\",\"MEAN\",\"INCLUSION\",\"TRIMMED_MEAN\",\"MEDIAN\"]", doc.schema("Fusion").path("enum").toString());
        java.util.Set<String> required = new java.util.TreeSet<>();
        doc.schema("JobViews.JobView").path("required").forEach(n -> required.add(n.asText()));
        assertEquals(java.util.Set.of("id", "spec", "state"), required, "only what every job view has is required");
        assertTrue(doc.schema("JobRequest").has("properties"), "the request body is documented as JobRequest");
        assertEquals(0, doc.schema("JobRequest").path("required").size(), "every field of a job request is optional");
        assertEquals("binary", doc.operation("get", "/jobs/{id}/deployments/{tier}").path("responses").path("200").path("content")
                .path("application/octet-stream").path("schema").path("format").asText());

        HttpResponse<String> created = post("/jobs", "{\"rounds\": 2, \"pretrainEpochs\": 0, \"tiers\": [0.25]}");
        assertEquals(201, created.statusCode(), created.body());
        conforms(doc, "post", "/jobs", created);
        String id = JSON.readTree(created.body()).path("id").asText();
        conforms(doc, "get", "/jobs/{id}", get("/jobs/" + id));
        conforms(doc, "get", "/jobs", get("/jobs"));
        conforms(doc, "get", "/devices", get("/devices"));
        conforms(doc, "post", "/jobs", post("/jobs", "{\"rounds\": 0}"));
        conforms(doc, "post", "/jobs", post("/jobs", "{\"rounds\": \"many\"}"));
        conforms(doc, "get", "/jobs/{id}", get("/jobs/no-such-job"));
        conforms(doc, "get", "/jobs/{id}/deployments/{tier}", get("/jobs/" + id + "/deployments/keep-0.25"));
        conforms(doc, "get", "/jobs/{id}/masks/{tier}", get("/jobs/no-such-job/masks/keep-0.25"));
        conforms(doc, "post", "/jobs/{id}/cancel", post("/jobs/no-such-job/cancel", ""));
        HttpResponse<String> cancel = post("/jobs/" + id + "/cancel", "");
        assertEquals(202, cancel.statusCode());
        conforms(doc, "post", "/jobs/{id}/cancel", cancel);
        await().atMost(Duration.ofSeconds(60)).until(() -> JSON.readTree(get("/jobs/" + id).body()).path("state").asText().equals("CANCELLED"));
        HttpResponse<String> again = post("/jobs/" + id + "/cancel", "");
        assertEquals(409, again.statusCode());
        conforms(doc, "post", "/jobs/{id}/cancel", again);
        conforms(doc, "get", "/jobs/{id}", get("/jobs/" + id));
    }

    @Test
    void healthMetricsAndOpenApiAreServed() throws Exception {
        assertEquals(200, get("/health").statusCode());
        HttpResponse<String> prom = get("/prometheus");
        assertEquals(200, prom.statusCode());
        assertTrue(prom.body().contains("fedprune_rounds_total"), "prometheus output lacks fedprune_rounds_total");
        assertTrue(prom.body().contains("fedprune_bytes_out"), "prometheus output lacks fedprune_bytes_out");
        HttpResponse<String> api = get("/swagger/fedprune-0.1.yml");
        assertEquals(200, api.statusCode());
        assertTrue(api.body().contains("/jobs/{id}/deployments/{tier}"), api.body());
    }
}
