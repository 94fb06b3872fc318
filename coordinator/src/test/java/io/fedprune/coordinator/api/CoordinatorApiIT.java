package io.fedprune.coordinator.api;

import io.fedprune.kafka.SharedBroker;
import org.junit.jupiter.api.extension.ExtendWith;
import io.fedprune.Patience;
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

import static org.junit.jupiter.api.Assertions.*;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import java.util.concurrent.TimeUnit;

/** The REST API over HTTP: the Micronaut application against an embedded broker. */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
@ExtendWith(SharedBroker.class)
class CoordinatorApiIT {
    static EmbeddedBroker broker;
    static EmbeddedServer server;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "it-operator-token";
    static final int MAX_CONCURRENT_JOBS = 3;

    @BeforeAll
    static void start(EmbeddedBroker shared) throws Exception {
        broker = shared;   // the JVM's shared broker (SharedBroker): this class keeps to its own topics
        server = ApplicationContext.run(EmbeddedServer.class, Map.of(
                "micronaut.server.port", -1,
                "fedprune.coordinator.bootstrap-servers", broker.bootstrapServers(),
                "fedprune.coordinator.topic-prefix", "api.",
                "fedprune.coordinator.data-dir", TestData.mnistMini().toString(),
                "fedprune.coordinator.work-dir", Files.createTempDirectory("fedprune-api").toString(),
                "fedprune.api.token", TOKEN,
                "fedprune.api.max-rounds", 50,
                "fedprune.api.max-concurrent-jobs", MAX_CONCURRENT_JOBS,
                "fedprune.api.device-tokens-dir", deviceTokens().toString(),
                "micronaut.server.max-request-size", "4MB"));
    }

    /** The operator's per-device tokens: sensor-1's token in the folder, nothing for anyone else. */
    static java.nio.file.Path deviceTokens() throws Exception {
        java.nio.file.Path dir = Files.createTempDirectory("fedprune-device-tokens");
        Files.writeString(dir.resolve("sensor-1"), "sensor-1-secret\n");
        return dir;
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.getApplicationContext().close();
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.getURL() + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A POST with the operator's bearer token. */
    static HttpResponse<String> post(String path, String json) throws Exception {
        return post(path, json, TOKEN);
    }

    /** A POST with {@code token} as bearer token (none if null). */
    static HttpResponse<String> post(String path, String json, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.getURL() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
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
        Patience.await().until(() -> JSON.readTree(get("/jobs/" + id).body()).path("state").asText().equals("CANCELLED"));
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

    @Test
    void anUploadedOnnxModelStartsAJobAndABadOneIsA400NamingTheProblem() throws Exception {
        // LeNet-5 exported to ONNX by fedprune: an imported model like any other (named by arch)
        byte[] onnx = io.fedprune.onnx.OnnxExport.dense(io.fedprune.model.Model.init(io.fedprune.model.ModelArch.LENET5.graph(), 3));
        String b64 = java.util.Base64.getEncoder().encodeToString(onnx);
        HttpResponse<String> created = post("/jobs", "{\"arch\": \"my-cnn\", \"rounds\": 2, \"modelOnnx\": \"" + b64 + "\"}");
        assertEquals(201, created.statusCode(), created.body());
        JsonNode spec = JSON.readTree(created.body()).path("spec");
        assertEquals("my-cnn", spec.path("arch").asText());
        assertTrue(spec.path("modelOnnx").isMissingNode() || spec.path("modelOnnx").isNull(), "the model bytes must not be kept in the spec");
        assertTrue(spec.path("modelBlob").asText().contains("application/onnx"), spec.toString());
        assertEquals(202, post("/jobs/" + JSON.readTree(created.body()).path("id").asText() + "/cancel", "").statusCode());

        String truncated = java.util.Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(onnx, onnx.length / 3));
        HttpResponse<String> bad = post("/jobs", "{\"modelOnnx\": \"" + truncated + "\"}");
        assertEquals(400, bad.statusCode(), bad.body());
        assertEquals("modelOnnx", JSON.readTree(bad.body()).path("field").asText());
        assertTrue(bad.body().contains("not an ONNX model"), bad.body());
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
                "streamChanges", "getMasks", "issueEnrolmentToken", "enrolDevice", "revokeDevice", "getLeadership"), new java.util.HashSet<>(doc.operationIds()));
        // the security scheme, and which operations need it (with their 401s)
        JsonNode bearer = doc.root().path("components").path("securitySchemes").path("bearer");
        assertEquals("http", bearer.path("type").asText(), bearer.toString());
        assertEquals("bearer", bearer.path("scheme").asText(), bearer.toString());
        for (String[] op : new String[][]{{"post", "/jobs"}, {"post", "/jobs/{id}/cancel"}, {"post", "/enrolment-tokens"}, {"post", "/devices/{id}/revoke"}}) {
            JsonNode o = doc.operation(op[0], op[1]);
            assertTrue(o.path("security").toString().contains("bearer"), op[1] + " must state the bearer scheme: " + o.path("security"));
            assertTrue(o.path("responses").has("401"), op[1] + " must document 401");
        }
        assertFalse(doc.operation("post", "/devices/{id}/enrolment").path("security").toString().contains("bearer"),
                "a device enrols with its enrolment token, not the operator's bearer token");
        java.util.Set<String> codes = new java.util.TreeSet<>();
        doc.root().path("paths").forEach(p -> p.forEach(o -> o.path("responses").fieldNames().forEachRemaining(codes::add)));
        assertTrue(codes.containsAll(java.util.List.of("200", "201", "202", "400", "401", "404", "409")), codes.toString());
        assertEquals("#/components/schemas/Error", doc.operation("post", "/jobs").path("responses").path("401").path("content")
                .path("application/json").path("schema").path("$ref").asText());
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
        assertEquals(List.of(), doc.errorsNotJsonError(), "every error is the one error schema, as application/json only");

        HttpResponse<String> created = post("/jobs", "{\"rounds\": 2, \"pretrainEpochs\": 0, \"tiers\": [0.25]}");
        assertEquals(201, created.statusCode(), created.body());
        conforms(doc, "post", "/jobs", created);
        String id = JSON.readTree(created.body()).path("id").asText();
        conforms(doc, "get", "/jobs/{id}", get("/jobs/" + id));
        conforms(doc, "get", "/jobs", get("/jobs"));
        conforms(doc, "get", "/devices", get("/devices"));
        HttpResponse<String> leader = get("/leader");
        assertEquals(200, leader.statusCode(), "a coordinator without failover always leads: " + leader.body());
        conforms(doc, "get", "/leader", leader);
        conforms(doc, "post", "/jobs", post("/jobs", "{\"rounds\": 0}"));
        conforms(doc, "post", "/jobs", post("/jobs", "{\"rounds\": \"many\"}"));
        conforms(doc, "post", "/jobs", post("/jobs", "{}", null));
        conforms(doc, "post", "/jobs/{id}/cancel", post("/jobs/" + id + "/cancel", "", "wrong-token"));
        HttpResponse<String> issued = post("/enrolment-tokens", "");
        assertEquals(201, issued.statusCode(), issued.body());
        conforms(doc, "post", "/enrolment-tokens", issued);
        conforms(doc, "post", "/enrolment-tokens", post("/enrolment-tokens", "", null));
        String enrol = JSON.writeValueAsString(Map.of("token", JSON.readTree(issued.body()).path("token").asText(),
                "publicKey", io.fedprune.wire.Signatures.encodePublicKey(io.fedprune.wire.Signatures.generate().getPublic())));
        HttpResponse<String> enrolled = post("/devices/doc-1/enrolment", enrol, null);
        assertEquals(201, enrolled.statusCode(), enrolled.body());
        conforms(doc, "post", "/devices/{id}/enrolment", enrolled);
        conforms(doc, "post", "/devices/{id}/enrolment", post("/devices/doc-1/enrolment", enrol, null));   // used up: 401
        conforms(doc, "post", "/devices/{id}/revoke", post("/devices/no-such-device/revoke", ""));
        conforms(doc, "post", "/devices/{id}/revoke", post("/devices/doc-1/revoke", ""));
        conforms(doc, "get", "/jobs/{id}", get("/jobs/no-such-job"));
        conforms(doc, "get", "/jobs/{id}/deployments/{tier}", get("/jobs/" + id + "/deployments/keep-0.25"));
        HttpResponse<String> badFormat = get("/jobs/" + id + "/deployments/keep-0.25?format=xml");
        assertEquals(400, badFormat.statusCode(), badFormat.body());
        conforms(doc, "get", "/jobs/{id}/deployments/{tier}", badFormat);
        HttpResponse<String> noTier = get("/jobs/" + id + "/deployments/keep-0.5");
        assertEquals(404, noTier.statusCode(), noTier.body());
        conforms(doc, "get", "/jobs/{id}/deployments/{tier}", noTier);
        conforms(doc, "get", "/jobs/{id}/masks/{tier}", get("/jobs/no-such-job/masks/keep-0.25"));
        conforms(doc, "post", "/jobs/{id}/cancel", post("/jobs/no-such-job/cancel", ""));
        HttpResponse<String> cancel = post("/jobs/" + id + "/cancel", "");
        assertEquals(202, cancel.statusCode());
        conforms(doc, "post", "/jobs/{id}/cancel", cancel);
        Patience.await().until(() -> JSON.readTree(get("/jobs/" + id).body()).path("state").asText().equals("CANCELLED"));
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

    @Test
    void writesWithoutAValidTokenAre401AndReadsStayOpen() throws Exception {
        for (String path : java.util.List.of("/jobs", "/jobs/any/cancel", "/enrolment-tokens", "/devices/d1/revoke")) {
            assertError(post(path, "{}", null), 401, "Authorization");
            assertError(post(path, "{}", "wrong-token"), 401, "Authorization");
        }
        assertEquals(200, get("/jobs").statusCode());
        assertEquals(200, get("/devices").statusCode());
        assertEquals(200, get("/health").statusCode());
        assertEquals(200, get("/prometheus").statusCode());
        for (String off : java.util.List.of("/beans", "/refresh", "/threaddump", "/env", "/loggers"))
            assertTrue(get(off).statusCode() == 404 || get(off).statusCode() == 401, off + " must be off: " + get(off).statusCode());
    }

    @Test
    void limitsUnknownFieldsAndWrongTypesAre400NamingTheField() throws Exception {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"rounds\": 51}", "rounds");                                   // past fedprune.api.max-rounds (50 here)
        cases.put("{\"localEpochs\": 101}", "localEpochs");
        cases.put("{\"pretrainEpochs\": 101}", "pretrainEpochs");
        cases.put("{\"batchSize\": 4097}", "batchSize");
        cases.put("{\"devicesPerRound\": 10001}", "devicesPerRound");
        cases.put("{\"tiers\": [0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.08,0.09,0.1,0.11,0.12,0.13,0.14,0.15,0.16,0.17]}", "tiers");
        cases.put("{\"roundz\": 3}", "roundz");                                    // unknown field
        cases.put("{\"rounds\": 1.5}", "rounds");                                  // wrong type
        cases.put("{\"rounds\": \"three\"}", "rounds");
        for (Map.Entry<String, String> c : cases.entrySet()) assertError(post("/jobs", c.getKey()), 400, c.getValue());
        // a body over micronaut.server.max-request-size (4 MB here)
        assertError(post("/jobs", "{\"modelSafetensors\": \"" + "A".repeat(5 << 20) + "\"}"), 400, "");
    }

    /** Cancels every pending or running job and waits until each has ended. */
    static void endAllJobs() throws Exception {
        for (JsonNode j : JSON.readTree(get("/jobs").body()))
            if (List.of("PENDING", "RUNNING").contains(j.path("state").asText())) post("/jobs/" + j.path("id").asText() + "/cancel", "");
        Patience.await().until(() -> {
            for (JsonNode j : JSON.readTree(get("/jobs").body()))
                if (List.of("PENDING", "RUNNING").contains(j.path("state").asText())) return false;
            return true;
        });
    }

    @Test
    void jobsPastTheConcurrentLimitAre400UntilOneEnds() throws Exception {
        endAllJobs();
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < MAX_CONCURRENT_JOBS; i++) {
            HttpResponse<String> r = post("/jobs", "{\"rounds\": 2, \"pretrainEpochs\": 0, \"tiers\": [0.25]}");
            assertEquals(201, r.statusCode(), r.body());
            ids.add(JSON.readTree(r.body()).path("id").asText());
        }
        HttpResponse<String> refused = post("/jobs", "{\"rounds\": 2, \"pretrainEpochs\": 0, \"tiers\": [0.25]}");
        assertError(refused, 400, "");
        assertTrue(JSON.readTree(refused.body()).path("message").asText().contains("the limit is " + MAX_CONCURRENT_JOBS), refused.body());
        assertEquals(202, post("/jobs/" + ids.get(0) + "/cancel", "").statusCode());
        Patience.await().until(() -> JSON.readTree(get("/jobs/" + ids.get(0)).body()).path("state").asText().equals("CANCELLED"));
        assertEquals(201, post("/jobs", "{\"rounds\": 2, \"pretrainEpochs\": 0, \"tiers\": [0.25]}").statusCode());
        endAllJobs();
    }

    @Test
    void aDeviceEnrolsWithItsDeviceTokenWhichNeverGivesItANewKey() throws Exception {
        String key = io.fedprune.wire.Signatures.encodePublicKey(io.fedprune.wire.Signatures.generate().getPublic());
        String body = JSON.writeValueAsString(Map.of("token", "sensor-1-secret", "publicKey", key));
        assertError(post("/devices/sensor-2/enrolment", body, null), 401, "token");                 // another device's token
        HttpResponse<String> enrolled = post("/devices/sensor-1/enrolment", body, null);
        assertEquals(201, enrolled.statusCode(), enrolled.body());
        assertEquals(201, post("/devices/sensor-1/enrolment", body, null).statusCode(), "the same key again: unchanged");
        String other = JSON.writeValueAsString(Map.of("token", "sensor-1-secret", "publicKey",
                io.fedprune.wire.Signatures.encodePublicKey(io.fedprune.wire.Signatures.generate().getPublic())));
        assertError(post("/devices/sensor-1/enrolment", other, null), 409, "");
        assertEquals(202, post("/devices/sensor-1/revoke", "").statusCode());
        assertError(post("/devices/sensor-1/enrolment", body, null), 409, "");                      // revoked stays revoked
        assertError(post("/devices/sensor-1/enrolment", JSON.writeValueAsString(Map.of("token", "wrong", "publicKey", key)), null), 401, "token");
    }

    @Test
    void aDeviceEnrolsOnceWithAToken() throws Exception {
        String token = JSON.readTree(post("/enrolment-tokens", "").body()).path("token").asText();
        assertFalse(token.isEmpty());
        java.security.KeyPair keys = io.fedprune.wire.Signatures.generate();
        String body = JSON.writeValueAsString(Map.of("token", token, "publicKey", io.fedprune.wire.Signatures.encodePublicKey(keys.getPublic())));
        HttpResponse<String> enrolled = post("/devices/phone-9/enrolment", body, null);
        assertEquals(201, enrolled.statusCode(), enrolled.body());
        assertEquals(io.fedprune.wire.Signatures.fingerprint(keys.getPublic()), JSON.readTree(enrolled.body()).path("fingerprint").asText());
        assertFalse(JSON.readTree(enrolled.body()).path("coordinatorPublicKey").asText().isEmpty());
        assertError(post("/devices/phone-9/enrolment", body, null), 401, "token");                 // used up
        String second = JSON.readTree(post("/enrolment-tokens", "").body()).path("token").asText();
        String other = JSON.writeValueAsString(Map.of("token", second, "publicKey",
                io.fedprune.wire.Signatures.encodePublicKey(io.fedprune.wire.Signatures.generate().getPublic())));
        assertError(post("/devices/phone-9/enrolment", other, null), 409, "");                      // never replaces a key
        assertEquals(202, post("/devices/phone-9/revoke", "").statusCode());
    }
}
