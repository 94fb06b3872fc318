package io.fedprune.coordinator;

import io.micronaut.runtime.Micronaut;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.info.Info;

/**
 * The coordinator service's entry point ({@code ./fedprune coordinator}): REST on port 8080 (jobs, devices,
 * deployments), the OpenAPI document at {@code /swagger/fedprune-0.1.yml}, {@code /health} and {@code /prometheus};
 * settings in {@link CoordinatorConfig}.
 */
@OpenAPIDefinition(info = @Info(title = "fedprune", version = "0.1",
        description = "Federated k-of-n pruning coordinator: jobs, rounds, fleet, deployments"))
public final class Application {
    public static void main(String[] args) {
        Micronaut.run(Application.class, args);
    }
}
