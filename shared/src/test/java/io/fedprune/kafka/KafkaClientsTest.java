package io.fedprune.kafka;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class KafkaClientsTest {

    @Test
    void environmentVariablesBecomeDottedLowerCaseProperties() {
        Map<String, String> p = KafkaClients.propertiesFromEnv(Map.of("FEDPRUNE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "FEDPRUNE_KAFKA_SSL_TRUSTSTORE_LOCATION", "/t.jks", "FEDPRUNE_KAFKA_", "x", "KAFKA_BOOTSTRAP_SERVERS", "h:1", "PATH", "/bin"));
        assertEquals(Map.of("security.protocol", "SASL_SSL", "ssl.truststore.location", "/t.jks"), p);
    }

    @Test
    void pairsWinOverTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("client.properties");
        Files.writeString(f, "# secured\nsecurity.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n");
        Map<String, String> p = KafkaClients.properties(f, List.of("sasl.mechanism=SCRAM-SHA-256", "sasl.jaas.config=a=b;"));
        assertEquals(Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "SCRAM-SHA-256", "sasl.jaas.config", "a=b;"), p);
        assertThrows(IllegalArgumentException.class, () -> KafkaClients.properties(null, List.of("no-equals")));
        assertThrows(IllegalArgumentException.class, () -> KafkaClients.properties(dir.resolve("missing"), List.of()));
    }

    @Test
    void configuredPropertiesOverrideTheDefaultsOfEveryClient() {
        KafkaClients c = KafkaClients.configure("h:1", Map.of("security.protocol", "SASL_PLAINTEXT"));
        assertEquals("h:1", c.bootstrapServers());
        assertEquals("SASL_PLAINTEXT", c.overrides().get("security.protocol"));
        assertEquals("x", c.with(Map.of("client.rack", "x")).overrides().get("client.rack"));
        assertEquals("SASL_PLAINTEXT", c.with(Map.of("client.rack", "x")).overrides().get("security.protocol"));
    }
}
