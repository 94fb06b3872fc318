package io.fedprune.deploy;

import io.fedprune.deploy.fault.ChildProcess;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KraftClusterTest {

    /**
     * The cluster id is a hash of the data directory's path in base64url, which starts with '-' for about one path in
     * 64. Formatting such a cluster once failed (the storage tool read the id as an option): CI hit it on a temp dir.
     */
    @Test
    void aClusterWhoseIdStartsWithADashFormatsAndServes(@TempDir Path dir) throws Exception {
        int port = ChildProcess.freePorts(2);
        KraftCluster cluster = null;
        for (int i = 0; cluster == null; i++) {
            KraftCluster c = new KraftCluster(dir.resolve("kafka-" + i), port, 1, 1 << 20, Map.of());
            if (c.clusterId().startsWith("-")) cluster = c;
        }
        try (KraftCluster.Running running = cluster.start(Duration.ofMinutes(5));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, running.bootstrapServers()))) {
            assertEquals(List.of(0), running.formatted());
            assertEquals(cluster.clusterId(), admin.describeCluster().clusterId().get());
        }
        String meta = Files.readString(cluster.nodeDir(0).resolve("logs").resolve("meta.properties"));
        assertTrue(meta.contains("cluster.id=" + cluster.clusterId()), meta);
    }
}
