package io.fedprune.coordinator.api;

import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs where the coordinator listens once its HTTP server is up. */
@Singleton
public class StartupLog {
    private static final Logger LOG = LoggerFactory.getLogger(StartupLog.class);

    @EventListener
    void started(ServerStartupEvent event) {
        String url = event.getSource().getURL().toString();
        LOG.info("coordinator listening: dashboard {}/ , REST API {}/jobs , OpenAPI {}/swagger/fedprune-0.1.yml", url, url, url);
    }
}
