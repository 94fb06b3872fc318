package io.fedprune.coordinator.api;

import io.fedprune.kafka.SharedBroker;
import org.junit.jupiter.api.extension.ExtendWith;
import io.fedprune.Patience;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedprune.agent.Agent;
import io.fedprune.agent.AgentHub;
import io.fedprune.agent.PartitionSpec;
import io.fedprune.coordinator.Coordinator;
import io.fedprune.coordinator.CoordinatorNode;
import io.fedprune.data.Mnist;
import io.fedprune.data.TestData;
import io.fedprune.kafka.EmbeddedBroker;
import io.fedprune.wire.Budget;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The dashboard in a real browser (Debian's headless chromium through its chromedriver): the coordinator's HTTP
 * server against an embedded broker, three agents, one short job. The job page's accuracy chart gains a point per
 * round without a reload, the fleet page lists every device, and a tier's artifact downloads byte for byte.
 * Skipped (reported as such) where chromium or chromedriver is not installed; {@code .ci/run} installs both.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
@ExtendWith(SharedBroker.class)
class DashboardIT {
    static final Path CHROMIUM = Path.of(System.getProperty("fedprune.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("fedprune.chromedriver", "/usr/bin/chromedriver"));
    static final int ROUNDS = 4;
    static final double[] BUDGETS = {0.1, 0.25, 0.25};
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "ui-operator-token";

    static EmbeddedBroker broker;
    static EmbeddedServer server;
    static AgentHub hub;
    static ChromeDriver browser;
    static Path downloads;
    static final Path SCREENSHOTS = Path.of("target", "dashboard-screenshots");

    @BeforeAll
    static void start(EmbeddedBroker shared) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "SKIPPED: the browser test needs chromium and chromedriver (apt-get install chromium chromium-driver; .ci/run does)");
        broker = shared;   // the JVM's shared broker (SharedBroker): this class keeps to its own topics
        server = ApplicationContext.run(EmbeddedServer.class, Map.of(
                "micronaut.server.host", "127.0.0.1",
                "micronaut.server.port", -1,
                "fedprune.coordinator.bootstrap-servers", broker.bootstrapServers(),
                "fedprune.coordinator.topic-prefix", "ui.",
                "fedprune.coordinator.data-dir", TestData.mnistMini().toString(),
                "fedprune.coordinator.work-dir", Files.createTempDirectory("fedprune-ui").toString(),
                "fedprune.api.token", TOKEN));
        Mnist.Split mini = Mnist.load(TestData.mnistMini());
        hub = AgentHub.start(AgentHub.Config.defaults(broker.bootstrapServers()).withTopicPrefix("ui.").withHeartbeatMs(500),
                server.getApplicationContext().getBean(CoordinatorNode.class)::enrol);
        for (int i = 0; i < BUDGETS.length; i++) {
            PartitionSpec part = PartitionSpec.parse("iid:" + i + "/" + BUDGETS.length + ":7");
            hub.add(new Agent(new Agent.Settings("phone-" + i, Budget.ofKeep(BUDGETS[i]), part.apply(mini.train()),
                    part.applyTest(mini.train(), mini.test()), null)));
        }
        Coordinator c = server.getApplicationContext().getBean(Coordinator.class);
        Patience.await().until(() -> c.devices().size() == BUDGETS.length);

        downloads = Files.createTempDirectory("fedprune-downloads");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1100",
                "--user-data-dir=" + Files.createTempDirectory("fedprune-chromium"));
        options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) browser.quit();
        if (hub != null) hub.close();
        if (server != null) server.getApplicationContext().close();
    }

    static String url(String path) {
        return server.getURL() + path;
    }

    static JsonNode getJson(String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url(path))).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return JSON.readTree(r.body());
    }

    static HttpResponse<String> send(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url(path))).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static void screenshot(String name) throws Exception {
        File f = browser.getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), SCREENSHOTS.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** The text of a cell of a device's row on the fleet page. */
    static String cell(String device, int column) {
        return String.valueOf(((JavascriptExecutor) browser).executeScript(
                "const r = document.querySelector(\"#fleet tbody tr[data-device='\" + arguments[0] + \"']\");"
                        + " return r ? r.cells[arguments[1]].textContent.trim() : null;", device, column));
    }

    @Test
    void jobPageUpdatesLiveFleetPageListsDevicesAndAnArtifactDownloads() throws Exception {
        // create the job from the jobs page, as an operator would
        browser.get(url("/"));
        assertTrue(browser.getCurrentUrl().endsWith("/ui/index.html"), browser.getCurrentUrl());
        WebElement form = browser.findElement(By.id("create"));
        form.findElement(By.name("tiers")).clear();
        form.findElement(By.name("tiers")).sendKeys("0.1,0.25");
        form.findElement(By.name("rounds")).clear();
        form.findElement(By.name("rounds")).sendKeys(String.valueOf(ROUNDS));
        form.findElement(By.name("pretrainEpochs")).clear();
        form.findElement(By.name("pretrainEpochs")).sendKeys("1");
        form.findElement(By.cssSelector("button[type=submit]")).click();   // no token yet: refused, the page says why
        Patience.await().until(() -> browser.findElement(By.id("create-error")).getText().contains("bearer token"));
        assertEquals(0, getJson("/jobs").size(), "a job was created without the operator's token");
        form.findElement(By.name("token")).sendKeys(TOKEN);                  // the operator signs in
        form.findElement(By.cssSelector("button[type=submit]")).click();
        Patience.await().until(() -> browser.getCurrentUrl().contains("/ui/job.html?id="));
        String jobId = browser.getCurrentUrl().substring(browser.getCurrentUrl().indexOf("id=") + 3);
        JavascriptExecutor js = browser;
        js.executeScript("window.fedpruneLoaded = 'same page';");   // gone if the page reloads

        // one point per tier and round appears while the job runs: watch the count of the 10% tier's points
        List<Long> seen = new ArrayList<>();
        Patience.await().pollInterval(Duration.ofMillis(50)).until(() -> {
            long points = browser.findElements(By.cssSelector("#accuracy circle.point[data-series='10%']")).size();
            if (seen.isEmpty() || seen.get(seen.size() - 1) != points) seen.add(points);
            return points == ROUNDS;
        });
        for (int r = 1; r <= ROUNDS; r++) assertTrue(seen.contains((long) r), "the chart skipped round " + r + ": " + seen);
        for (int i = 1; i < seen.size(); i++) assertTrue(seen.get(i) > seen.get(i - 1), "points disappeared: " + seen);
        assertEquals("same page", js.executeScript("return window.fedpruneLoaded;"), "the job page was reloaded");
        assertEquals(ROUNDS, browser.findElements(By.cssSelector("#accuracy circle.point[data-series='25%']")).size());
        assertEquals(1, browser.findElements(By.cssSelector("#accuracy line.reference")).size(), "dense reference line");
        assertFalse(browser.findElements(By.cssSelector("#devices rect.bar")).isEmpty(), "devices per round");
        // the devices chart counts devices: its y ticks are distinct whole numbers, and every round's stacked bars end
        // on the tick of their total (whole numbers up to the fleet's size)
        @SuppressWarnings("unchecked")
        List<String> ticks = (List<String>) js.executeScript(
                "return [...document.querySelectorAll('#devices text.tick')].map((t) => t.textContent);");
        assertEquals(ticks.size(), new java.util.HashSet<>(ticks).size(), "repeated ticks: " + ticks);
        for (String t : ticks) assertTrue(t.matches("\\d+"), "not a whole number: " + ticks);
        @SuppressWarnings("unchecked")
        List<String> barEnds = (List<String>) js.executeScript(
                "const svg = document.querySelector('#devices svg');"
                        + " const lines = [...svg.querySelectorAll('line.tick')], labels = [...svg.querySelectorAll('text.tick')];"
                        + " const tops = {}; for (const b of svg.querySelectorAll('rect.bar')) { const x = b.getAttribute('x');"
                        + "   tops[x] = Math.min(tops[x] ?? Infinity, +b.getAttribute('y')); }"
                        + " return Object.values(tops).map((top) => { const i = lines.findIndex((l) => Math.abs(+l.getAttribute('y1') - top) < 0.01);"
                        + "   return i < 0 ? 'off the ticks at y=' + top : labels[i].textContent; });");
        assertEquals(ROUNDS, barEnds.size(), barEnds.toString());
        for (String end : barEnds)
            assertTrue(end.matches("\\d+") && Integer.parseInt(end) >= 1 && Integer.parseInt(end) <= BUDGETS.length,
                    "a round's bars end between ticks: " + barEnds + ", ticks " + ticks);
        assertFalse(browser.findElements(By.cssSelector("#uplink rect.bar")).isEmpty(), "uplink per round");

        // deployments appear (still without a reload) and an artifact downloads byte for byte
        Patience.await().until(() -> browser.findElements(By.cssSelector("a.artifact")).size() == 2);
        Patience.await().until(() -> !browser.findElements(By.cssSelector("#masks canvas.mask")).isEmpty());
        assertEquals("same page", js.executeScript("return window.fedpruneLoaded;"), "the job page was reloaded");
        assertEquals("COMPLETED", getJson("/jobs/" + jobId).path("state").asText());
        screenshot("job.png");
        js.executeScript("document.querySelector(\"a.artifact[href$='keep-0.1']\").click();");   // the table redraws as acks arrive
        Path file = downloads.resolve(jobId + "-keep-0.1.safetensors");
        Patience.await().until(() -> Files.exists(file) && Files.size(file) > 0);
        HttpResponse<byte[]> api = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url("/jobs/" + jobId + "/deployments/keep-0.1")))
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertArrayEquals(api.body(), Files.readAllBytes(file), "the downloaded artifact differs from the API's");

        // the rich responses of a finished job conform to the OpenAPI document
        OpenApiDoc doc = new OpenApiDoc(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url("/swagger/fedprune-0.1.yml")))
                .GET().build(), HttpResponse.BodyHandlers.ofString()).body());
        CoordinatorApiIT.conforms(doc, "get", "/jobs/{id}/deployments/{tier}", api);
        CoordinatorApiIT.conforms(doc, "get", "/jobs/{id}", send("/jobs/" + jobId));
        CoordinatorApiIT.conforms(doc, "get", "/jobs", send("/jobs"));
        CoordinatorApiIT.conforms(doc, "get", "/devices", send("/devices"));
        CoordinatorApiIT.conforms(doc, "get", "/jobs/{id}/masks/{tier}", send("/jobs/" + jobId + "/masks/keep-0.1"));

        // the fleet page lists every device, with the rounds it took part in and the tier it applied
        browser.get(url("/ui/fleet.html"));
        Patience.await().until(() -> browser.findElements(By.cssSelector("#fleet tbody tr")).size() == BUDGETS.length);
        for (int i = 0; i < BUDGETS.length; i++) {   // the table redraws on every heartbeat: read cells in one script
            String device = "phone-" + i;
            assertEquals(device, cell(device, 0));
            assertEquals(String.valueOf(ROUNDS), cell(device, 5), "rounds taken part in by " + device);
        }
        Patience.await().until(() -> "keep-0.1".equals(cell("phone-0", 6)));   // agents fetch the artifact first
        screenshot("fleet.png");

        browser.get(url("/ui/index.html"));
        Patience.await().until(() -> !browser.findElements(By.cssSelector("#jobs tr[data-job='" + jobId + "']")).isEmpty());
        assertTrue(browser.findElement(By.cssSelector("#jobs tr[data-job='" + jobId + "']")).getText().contains("COMPLETED"));
        screenshot("jobs.png");
    }
}
