package io.fedprune.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.fedprune.agent.AgentMain;
import io.fedprune.coordinator.CoordinatorConfig;
import io.fedprune.coordinator.FailoverConfig;
import io.fedprune.coordinator.api.ApiConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The deployment files against the code (no container engine or cluster here): every Kubernetes and compose document
 * parses; claims, volumes, services and selectors are defined where they are used; ports agree with the
 * coordinator's configuration; every {@code FEDPRUNE_COORDINATOR_*} variable is a setting of {@link CoordinatorConfig};
 * every main class exists and every agent option is one {@link AgentMain} knows.
 */
class ManifestsTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static List<JsonNode> documents(Path file) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (YAMLParser p = new YAMLFactory().createParser(file.toFile())) {
            var it = YAML.readValues(p, JsonNode.class);
            while (it.hasNext()) docs.add(it.next());
        }
        return docs;
    }

    /** {@code FEDPRUNE_COORDINATOR_TOPIC_REPLICATION_FACTOR} -> {@code topicReplicationFactor} (likewise {@code FEDPRUNE_API_*}). */
    static String settingOf(String variable) {
        String prefix = variable.startsWith("FEDPRUNE_API_") ? "FEDPRUNE_API_" : "FEDPRUNE_COORDINATOR_";
        String[] words = variable.substring(prefix.length()).toLowerCase().split("_");
        StringBuilder b = new StringBuilder(words[0]);
        for (int i = 1; i < words.length; i++) b.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
        return b.toString();
    }

    static void assertCoordinatorVariables(Iterable<String> names, String where) {
        Set<String> settings = new HashSet<>();
        for (var c : CoordinatorConfig.class.getRecordComponents()) settings.add(c.getName());
        for (var c : FailoverConfig.class.getRecordComponents())   // fedprune.coordinator.failover.*
            settings.add("failover" + Character.toUpperCase(c.getName().charAt(0)) + c.getName().substring(1));
        Set<String> api = new HashSet<>();
        for (var c : ApiConfig.class.getRecordComponents()) api.add(c.getName());
        for (String n : names) {
            if (n.startsWith("FEDPRUNE_COORDINATOR_")) assertTrue(settings.contains(settingOf(n)), where + ": " + n + " is no coordinator setting " + settings);
            if (n.startsWith("FEDPRUNE_API_")) assertTrue(api.contains(settingOf(n)), where + ": " + n + " is no API setting " + api);
        }
    }

    /** Every {@code --option} in a command line is an option of the agent. */
    static void assertAgentOptions(String commandLine, String where) {
        CommandLine.Model.CommandSpec spec = new CommandLine(new AgentMain()).getCommandSpec();
        Matcher m = Pattern.compile("(--[a-z-]+)").matcher(commandLine);
        int n = 0;
        while (m.find()) {
            assertNotNull(spec.findOption(m.group(1)), where + ": the agent has no option " + m.group(1));
            n++;
        }
        assertTrue(n >= 4, where + ": agent options found in " + commandLine);
    }

    static int coordinatorPort() throws Exception {
        try (InputStream in = CoordinatorConfig.class.getClassLoader().getResourceAsStream("application.yml")) {
            return YAML.readTree(in).at("/micronaut/server/port").asInt();
        }
    }

    @Test
    void kubernetesManifestsAgreeWithTheCode() throws Exception {
        List<JsonNode> docs = documents(Path.of("k8s/fedprune.yaml"));
        Map<String, JsonNode> byKindName = new TreeMap<>();
        for (JsonNode d : docs) byKindName.put(d.get("kind").asText() + "/" + d.at("/metadata/name").asText(), d);
        assertEquals(Set.of("ConfigMap/fedprune", "Secret/fedprune-api", "Secret/fedprune-enrolment", "PersistentVolumeClaim/fedprune-mnist",
                "PersistentVolumeClaim/fedprune-coordinator-work", "Deployment/fedprune-coordinator",
                "Service/fedprune-coordinator", "Service/fedprune-agent", "StatefulSet/fedprune-agent"), byKindName.keySet());

        JsonNode config = byKindName.get("ConfigMap/fedprune").get("data");
        List<String> configNames = new ArrayList<>();
        config.fieldNames().forEachRemaining(configNames::add);
        assertCoordinatorVariables(configNames, "ConfigMap");
        assertEquals("3", config.get("FEDPRUNE_COORDINATOR_TOPIC_REPLICATION_FACTOR").asText(), "production replication");
        Set<Double> budgets = new HashSet<>();
        for (String b : config.get("AGENT_BUDGETS").asText().trim().split("\\s+")) {
            double keep = Double.parseDouble(b);
            assertTrue(keep > 0 && keep <= 1, "budget " + b);
            budgets.add(keep);
        }
        assertTrue(budgets.size() >= 3, "agents get different budgets: " + budgets);

        JsonNode coordinator = byKindName.get("Deployment/fedprune-coordinator");
        JsonNode cc = coordinator.at("/spec/template/spec/containers/0");
        Map<String, JsonNode> env = new TreeMap<>();
        cc.get("env").forEach(e -> env.put(e.get("name").asText(), e));
        // more than one coordinator only with failover: one leader runs the jobs, the others stand by
        if (coordinator.at("/spec/replicas").asInt() > 1 || !coordinator.at("/spec/strategy/type").asText().equals("Recreate")) {
            assertEquals("true", env.get("FEDPRUNE_COORDINATOR_FAILOVER_ENABLED").get("value").asText(), "several coordinators need failover");
            assertEquals("metadata.name", env.get("FEDPRUNE_COORDINATOR_FAILOVER_INSTANCE_ID").at("/valueFrom/fieldRef/fieldPath").asText(),
                    "each coordinator has its own, stable instance id: its pod name");
            assertEquals("/leader", cc.at("/readinessProbe/httpGet/path").asText(), "only the leader is ready");
            JsonNode work = null;
            for (JsonNode v : coordinator.at("/spec/template/spec/volumes")) if (v.get("name").asText().equals("work")) work = v;
            String claim = work.at("/persistentVolumeClaim/claimName").asText();
            assertEquals("ReadWriteMany", byKindName.get("PersistentVolumeClaim/" + claim).at("/spec/accessModes/0").asText(),
                    "the coordinators share their work directory (signing key, device keys)");
        } else {
            assertEquals("/health", cc.at("/readinessProbe/httpGet/path").asText());
        }
        Class.forName(cc.at("/args/0").asText());
        int port = coordinatorPort();
        assertEquals(port, cc.at("/ports/0/containerPort").asInt());
        assertEquals(port, cc.at("/readinessProbe/httpGet/port").asInt());
        List<String> envNames = new ArrayList<>();
        cc.get("env").forEach(e -> envNames.add(e.get("name").asText()));
        assertCoordinatorVariables(envNames, "coordinator env");
        // the REST API listens on the pod's interfaces (its default is loopback) and the operator's token comes from a Secret
        assertEquals("0.0.0.0", env.get("MICRONAUT_SERVER_HOST").get("value").asText(), "coordinator bind address");
        JsonNode tokenRef = env.get("FEDPRUNE_API_TOKEN").at("/valueFrom/secretKeyRef");
        JsonNode secret = byKindName.get("Secret/" + tokenRef.get("name").asText());
        assertNotNull(secret, "the API token's Secret is defined");
        assertTrue(secret.at("/stringData").has(tokenRef.get("key").asText()), "the Secret has the key " + tokenRef);
        assertTrue(config.findValue("FEDPRUNE_API_TOKEN") == null, "the token is not in the ConfigMap");
        // device tokens: the coordinator reads the Secret's folder; each agent pod enrols with the key named by its pod
        String tokensDir = env.get("FEDPRUNE_API_DEVICE_TOKENS_DIR").get("value").asText();
        JsonNode enrolmentSecret = byKindName.get("Secret/fedprune-enrolment");
        assertEquals(tokensDir, mountOf(coordinator, "fedprune-enrolment"), "the coordinator mounts the device tokens where it reads them");        assertEquals(port, byKindName.get("Service/fedprune-coordinator").at("/spec/ports/0/targetPort").asInt());

        JsonNode agents = byKindName.get("StatefulSet/fedprune-agent");
        JsonNode headless = byKindName.get("Service/" + agents.at("/spec/serviceName").asText());
        assertNotNull(headless, "the StatefulSet's service exists");
        assertEquals("None", headless.at("/spec/clusterIP").asText(), "headless");
        JsonNode ac = agents.at("/spec/template/spec/containers/0");
        String script = ac.at("/args/0").asText();
        assertTrue(script.contains("io.fedprune.agent.AgentMain"));
        Class.forName("io.fedprune.agent.AgentMain");
        assertAgentOptions(script, "agent StatefulSet");
        assertTrue(script.contains("$AGENT_BUDGETS") && !script.matches(".*--budget \"?0\\.\\d+.*"), "the budget comes from the pod's ordinal");
        String agentTokens = mountOf(agents, "fedprune-enrolment");
        assertTrue(script.contains("--enrol-token-file \"" + agentTokens + "/$POD_NAME\""), "each agent reads its own device token: " + script);
        assertTrue(script.contains("--device-id \"$POD_NAME\""), script);
        assertTrue(script.contains("--enrol-url http://fedprune-coordinator:" + port + "/"), "agents enrol through the coordinator's Service: " + script);
        int replicas = agents.at("/spec/replicas").asInt();
        for (int i = 0; i < replicas; i++)
            assertTrue(enrolmentSecret.at("/stringData").has("fedprune-agent-" + i), "a device token for fedprune-agent-" + i);

        // selectors match pod labels; every mounted volume and every claim is defined
        for (String w : List.of("Deployment/fedprune-coordinator", "StatefulSet/fedprune-agent")) {
            JsonNode d = byKindName.get(w);
            assertEquals(d.at("/spec/selector/matchLabels"), d.at("/spec/template/metadata/labels"), w);
            Set<String> volumes = new HashSet<>();
            d.at("/spec/template/spec/volumes").forEach(v -> {
                volumes.add(v.get("name").asText());
                JsonNode claim = v.at("/persistentVolumeClaim/claimName");
                if (!claim.isMissingNode()) assertTrue(byKindName.containsKey("PersistentVolumeClaim/" + claim.asText()), w + ": claim " + claim);
            });
            d.at("/spec/volumeClaimTemplates").forEach(t -> volumes.add(t.at("/metadata/name").asText()));
            d.at("/spec/template/spec/containers/0/volumeMounts").forEach(m ->
                    assertTrue(volumes.contains(m.get("name").asText()), w + ": volume " + m.get("name") + " is not defined"));
            assertTrue(d.at("/spec/template/spec/securityContext/runAsNonRoot").asBoolean(), w + " runs as non-root");
        }
        for (String s : List.of("Service/fedprune-coordinator", "Service/fedprune-agent")) {
            JsonNode selector = byKindName.get(s).at("/spec/selector");
            assertTrue(docs.stream().anyMatch(d -> d.at("/spec/template/metadata/labels").equals(selector)), s + " selects a workload");
        }
    }

    /** Where a workload's first container mounts the volume made from {@code secret}. */
    static String mountOf(JsonNode workload, String secret) {
        String volume = null;
        for (JsonNode v : workload.at("/spec/template/spec/volumes"))
            if (secret.equals(v.at("/secret/secretName").asText())) volume = v.get("name").asText();
        assertNotNull(volume, "a volume of the Secret " + secret);
        for (JsonNode m : workload.at("/spec/template/spec/containers/0/volumeMounts"))
            if (m.get("name").asText().equals(volume)) return m.get("mountPath").asText();
        throw new AssertionError("the Secret " + secret + " is not mounted");
    }

    @Test
    void composeFileAgreesWithTheCode() throws Exception {
        JsonNode compose = documents(Path.of("compose.yaml")).get(0);
        Set<String> namedVolumes = new HashSet<>();
        compose.get("volumes").fieldNames().forEachRemaining(namedVolumes::add);
        int port = coordinatorPort();
        compose.get("services").fields().forEachRemaining(e -> {
            String name = e.getKey();
            JsonNode s = e.getValue();
            if (!s.get("image").asText().startsWith("fedprune:")) return;
            List<String> env = new ArrayList<>();
            s.get("environment").fieldNames().forEachRemaining(env::add);
            assertCoordinatorVariables(env, name);
            s.get("volumes").forEach(v -> {
                String source = v.asText().split(":")[0];
                if (!source.startsWith(".")) assertTrue(namedVolumes.contains(source), name + ": volume " + source + " is not defined");
            });
            assertTrue(s.get("volumes").toString().contains(":/work"), name + " has a writable work volume");
            if (s.has("command")) {
                List<String> cmd = new ArrayList<>();
                s.get("command").forEach(c -> cmd.add(c.asText()));
                assertDoesNotThrow(() -> Class.forName(cmd.get(0)), name);
                assertAgentOptions(String.join(" ", cmd), name);
                // the agent enrols with its own device token, the file the coordinator reads under its device id
                String device = cmd.get(cmd.indexOf("--device-id") + 1), tokenFile = cmd.get(cmd.indexOf("--enrol-token-file") + 1);
                assertTrue(s.get("volumes").toString().contains("\"./enrolment/" + device + ":" + tokenFile + ":ro\""), name + " mounts its token");
                assertEquals("http://coordinator:" + port + "/", cmd.get(cmd.indexOf("--enrol-url") + 1), name);
            } else {
                assertEquals("[\"" + port + ":" + port + "\"]", s.get("ports").toString(), name);
                assertEquals("0.0.0.0", s.at("/environment/MICRONAUT_SERVER_HOST").asText(), name + " listens on the container's interfaces");
                assertTrue(s.at("/environment/FEDPRUNE_API_TOKEN").asText().startsWith("${FEDPRUNE_API_TOKEN:?"),
                        name + ": the API token comes from the operator's environment, required: " + s.at("/environment/FEDPRUNE_API_TOKEN"));
                assertTrue(s.get("volumes").toString().contains("\"./enrolment:" + s.at("/environment/FEDPRUNE_API_DEVICE_TOKENS_DIR").asText() + ":ro\""),
                        name + " reads the device tokens where they are mounted");
            }
        });
    }

    @Test
    void dockerfileEnvironmentAndCommandAgreeWithTheCode() throws Exception {
        DockerImage image = DockerImage.parse(Path.of("docker/Dockerfile"));
        assertCoordinatorVariables(image.env().keySet(), "Dockerfile");
        java.util.regex.Matcher jit = java.util.regex.Pattern.compile("(?m)^JIT_OPTS=\\((.*)\\)$").matcher(Files.readString(Path.of("../fedprune")));
        assertTrue(jit.find(), "the fedprune script defines JIT_OPTS");
        assertEquals("--add-modules=jdk.incubator.vector " + jit.group(1), image.env().get("JDK_JAVA_OPTIONS"),
                "the image's java runs with the script's options");
        assertTrue(Files.readString(Path.of("../pom.xml")).contains("<fedprune.jvm.args>--add-modules jdk.incubator.vector " + jit.group(1) + " "),
                "the test JVMs run with the script's options");
        assertNull(image.env().get("JAVA_TOOL_OPTIONS"));
        assertEquals("0.0.0.0", image.env().get("MICRONAUT_SERVER_HOST"), "in a container the API listens on the container's interfaces");
        assertNull(image.env().get("FEDPRUNE_API_TOKEN"), "no token baked into the image");
        Class.forName(image.cmd().get(0));
        assertEquals("fedprune", image.user());
        assertTrue(Files.readString(Path.of("docker/Dockerfile")).contains("chmod -R a-w /app"), "the application is read-only");
    }
}
