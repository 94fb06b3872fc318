package io.fedprune.deploy;

import io.fedprune.Patience;
import io.fedprune.data.TestData;
import io.fedprune.deploy.fault.ChildProcess;
import io.fedprune.kafka.EmbeddedBroker;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The image's processes without a container engine: deploy/docker/Dockerfile's exact ENTRYPOINT and CMD, its ENV
 * and WORKDIR, as a non-root user (uid 65534 when the tests run as root), against a read-only copy of what the image
 * puts in /app and a separate writable work directory (the container paths /app, /work and /data mapped to
 * folders here). The coordinator must come up healthy and an agent started the way compose starts it must register.
 */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
class DockerImageIT {
    static final int NOBODY = 65534;

    @Test
    void coordinatorAndAgentRunFromTheImageAsNonRootWithReadOnlyApp(@TempDir Path tmp) throws Exception {
        DockerImage image = DockerImage.parse(Path.of("docker/Dockerfile"));
        boolean root = "root".equals(System.getProperty("user.name"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        // /app/lib: what the image copies there (the deploy jar and its runtime libraries), read-only
        Path app = Files.createDirectories(tmp.resolve("app/lib"));
        try (Stream<Path> jars = Stream.concat(Files.list(Path.of("target/lib")), Files.list(Path.of("target")))) {
            for (Path j : (Iterable<Path>) jars.filter(p -> p.getFileName().toString().endsWith(".jar")
                    && !p.getFileName().toString().contains("tests"))::iterator) Files.copy(j, app.resolve(j.getFileName()));
        }
        try (Stream<Path> all = Files.walk(tmp.resolve("app"))) {
            for (Path p : (Iterable<Path>) all::iterator)
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "r-xr-xr-x" : "r--r--r--"));
        }
        // /data/mnist: the mounted data; /work: the writable volume, owned by the user the image runs as
        Path data = Files.createDirectories(tmp.resolve("data/mnist"));
        try (Stream<Path> files = Files.list(TestData.mnistMini())) {
            for (Path f : (Iterable<Path>) files::iterator) Files.copy(f, data.resolve(f.getFileName()));
        }
        Files.setPosixFilePermissions(tmp.resolve("data"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        // enrolment as compose and Kubernetes do it (docs/SECURITY.md): the device's token in a folder the coordinator
        // reads (fedprune.api.device-tokens-dir), the agent enrolling over HTTP with it on its first start
        Path enrol = Files.createDirectories(tmp.resolve("enrol"));
        Files.writeString(enrol.resolve("image-agent"), "image-agent-device-token\n");
        Files.setPosixFilePermissions(enrol, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(enrol.resolve("image-agent"), PosixFilePermissions.fromString("rw-r--r--"));
        if (root) {
            UserPrincipalLookupService users = work.getFileSystem().getUserPrincipalLookupService();
            var nobody = users.lookupPrincipalByName(String.valueOf(NOBODY));
            try (Stream<Path> all = Files.walk(work)) {
                for (Path f : (Iterable<Path>) all::iterator) Files.setOwner(f, nobody);
            }
        }
        Map<String, String> paths = new LinkedHashMap<>(Map.of("/app", tmp.resolve("app").toString(), "/work", work.toString(),
                "/data", tmp.resolve("data").toString(), "/enrol", enrol.toString()));
        assertEquals("/work", image.workDir());
        assertNotEquals("root", image.user());

        try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Config.defaults())) {
            int port = ChildProcess.freePorts(1);
            Map<String, String> env = new LinkedHashMap<>();
            image.env().forEach((k, v) -> env.put(k, mapped(v, paths)));
            env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
            env.put("MICRONAUT_SERVER_PORT", String.valueOf(port));
            // the image listens on every interface of its container; outside one, this test keeps it on loopback
            assertEquals("0.0.0.0", env.get("MICRONAUT_SERVER_HOST"));
            env.put("MICRONAUT_SERVER_HOST", "127.0.0.1");
            env.put("FEDPRUNE_API_TOKEN", "image-operator-token");   // as compose and the Kubernetes Secret pass it
            env.put("FEDPRUNE_API_DEVICE_TOKENS_DIR", enrol.toString());
            try (Running coordinator = run(image, image.cmd(), env, work, paths, root, tmp.resolve("coordinator.log"));
                 Running agent = run(image, List.of("io.fedprune.agent.AgentMain", "--device-id", "image-agent", "--budget", "0.1",
                         "--data", "/data/mnist", "--partition", "iid:0/2:1", "--work-dir", "/work/agent",
                         "--enrol-url", "http://127.0.0.1:" + port + "/", "--enrol-token-file", "/enrol/image-agent"), env, work, paths, root,
                         tmp.resolve("agent.log"))) {
                HttpClient http = HttpClient.newHttpClient();
                Patience.await().pollInterval(Duration.ofMillis(500)).until(() -> {
                    assertTrue(coordinator.process.isAlive(), () -> "coordinator exited: " + log(tmp.resolve("coordinator.log")));
                    assertTrue(agent.process.isAlive(), () -> "agent exited: " + log(tmp.resolve("agent.log")));
                    try {
                        String devices = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/devices")).build(),
                                HttpResponse.BodyHandlers.ofString()).body();
                        return devices.contains("image-agent");
                    } catch (IOException e) {
                        return false;
                    }
                });
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, health.statusCode(), health.body());
                assertTrue(health.body().contains("UP"), health.body());
                // writes take the operator's token from the environment
                URI tokens = URI.create("http://127.0.0.1:" + port + "/enrolment-tokens");
                assertEquals(401, http.send(HttpRequest.newBuilder(tokens).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode());
                HttpResponse<String> issued = http.send(HttpRequest.newBuilder(tokens).header("Authorization", "Bearer image-operator-token")
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(201, issued.statusCode(), issued.body());
            }
        }
        String coordinatorLog = log(tmp.resolve("coordinator.log"));
        assertFalse(coordinatorLog.contains("Unrecognized option") || coordinatorLog.contains("Could not create the Java Virtual Machine"), coordinatorLog);
        try (Stream<Path> written = Files.walk(tmp.resolve("app"))) {
            assertEquals(0, written.filter(p -> p.toString().endsWith(".tmp")).count());
        }
    }

    private static String mapped(String value, Map<String, String> paths) {
        for (Map.Entry<String, String> p : paths.entrySet())
            if (value.equals(p.getKey()) || value.startsWith(p.getKey() + "/")) return p.getValue() + value.substring(p.getKey().length());
        return value;
    }

    private static String log(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    record Running(Process process) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        }
    }

    /** ENTRYPOINT + the given CMD, container paths mapped, in WORKDIR, as a non-root user. */
    private static Running run(DockerImage image, List<String> cmd, Map<String, String> env, Path workDir, Map<String, String> paths,
                               boolean root, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        if (root) command.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        for (String a : image.entrypoint())
            command.add(a.equals("java") ? Path.of(System.getProperty("java.home"), "bin", "java").toString() : mapped(a, paths));
        for (String a : cmd) command.add(mapped(a, paths));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv("PATH"));
        pb.environment().putAll(env);
        return new Running(pb.start());
    }
}
