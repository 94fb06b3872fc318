package io.fedprune.coordinator;

import io.fedprune.Version;
import io.fedprune.kafka.KafkaOptions;
import io.micronaut.runtime.Micronaut;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.security.SecurityScheme;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The coordinator service's entry point ({@code ./fedprune coordinator}): REST and the dashboard on port 8080 (jobs,
 * devices, deployments), the OpenAPI document at {@code /swagger/fedprune-0.1.yml}, {@code /health} and
 * {@code /prometheus}; settings in {@link CoordinatorConfig}. It logs its URL once it listens.
 */
@OpenAPIDefinition(info = @Info(title = "fedprune", version = "0.1",
        description = "Federated k-of-n pruning coordinator: jobs, rounds, fleet, deployments. Every 4xx answer is an Error {field, message}. "
                + "Writes need the operator's bearer token (401 without); reads are open unless fedprune.api.open-reads is false."))
@SecurityScheme(name = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "The operator's token (fedprune.api.token, or the one the coordinator writes to <work-dir>/api-token)")
@Command(name = "coordinator", mixinStandardHelpOptions = true, version = Version.LINE, sortOptions = false,
        description = {"Run the coordinator service against a Kafka broker: the REST API, the dashboard (http://HOST:PORT/),",
                "/health, /prometheus and the OpenAPI document (/swagger/fedprune-0.1.yml). Runs until SIGINT/SIGTERM.",
                "Further settings: fedprune.coordinator.* in application.yml, or FEDPRUNE_COORDINATOR_* variables",
                "(bootstrap-servers, topic-prefix, data-dir, work-dir, eval-samples, validation-samples, device-live-ms, resume-jobs);",
                "the API's guard: fedprune.api.* or FEDPRUNE_API_* (token, open-reads, max-*; docs/SECURITY.md)."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:stopped normally", "1:could not start", "2:bad option"})
public final class Application implements Callable<Integer> {

    @Option(names = "--port", paramLabel = "PORT", description = "HTTP port (default: 8080, or MICRONAUT_SERVER_PORT).")
    Integer port;

    @Option(names = "--host", paramLabel = "ADDRESS", description = "Address to listen on (default: 127.0.0.1, loopback only, or MICRONAUT_SERVER_HOST; 0.0.0.0 for every interface).")
    String host;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS).")
    String bootstrap;

    @CommandLine.Mixin
    KafkaOptions kafka = new KafkaOptions();

    public static void main(String[] args) {
        CommandLine cl = io.fedprune.Cli.commandLine(new Application());
        int code = cl.execute(args);
        // after a successful start the server's threads keep the JVM up until SIGINT/SIGTERM
        if (code != 0 || cl.isUsageHelpRequested() || cl.isVersionHelpRequested()) System.exit(code);
    }

    /**
     * The Micronaut properties the options set; {@code --kafka-config} and {@code --kafka-property} become
     * {@code fedprune.kafka.*}.
     *
     * @throws IllegalArgumentException if the Kafka properties file cannot be read or a pair has no {@code =}
     */
    public Map<String, Object> properties() {
        Map<String, Object> p = new LinkedHashMap<>();
        kafka.properties().forEach((k, v) -> p.put("fedprune.kafka." + k, v));
        if (port != null) p.put("micronaut.server.port", port);
        if (host != null) p.put("micronaut.server.host", host);
        if (bootstrap != null) p.put("fedprune.coordinator.bootstrap-servers", bootstrap);
        return p;
    }

    @Override
    public Integer call() {
        if (port != null && (port < 0 || port > 65535))
            throw new CommandLine.ParameterException(new CommandLine(this), "--port must be in 0..65535, was " + port);
        Map<String, Object> properties;
        try {
            properties = properties();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
        }
        try {
            Micronaut.build(new String[0]).mainClass(Application.class).properties(properties).start();
            return 0;
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) root = root.getCause();
            System.err.println("coordinator: cannot start: " + root.getMessage());
            return 1;
        }
    }
}
