package io.fedprune.coordinator;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The coordinator's layers (DESIGN.md §5): the REST API is a thin Micronaut adapter over the plain services; the round
 * loop, fleet and deployment know no Micronaut, and nothing but the API knows the API.
 */
@AnalyzeClasses(packages = "io.fedprune.coordinator", importOptions = ImportOption.DoNotIncludeTests.class)
class LayersTest {
    /** The round loop, the fleet registry and the artifacts are plain Java. */
    @ArchTest
    static final ArchRule servicesKnowNoMicronaut = noClasses()
            .that().resideInAnyPackage("io.fedprune.coordinator.round..", "io.fedprune.coordinator.fleet..", "io.fedprune.coordinator.deploy..")
            .should().dependOnClassesThat().resideInAnyPackage("io.micronaut..", "io.swagger..", "java.net..");

    /** The job spec carries the request body's annotations (introspection, nullability, schema), no more of the web. */
    @ArchTest
    static final ArchRule jobKnowsNoHttp = noClasses().that().resideInAPackage("io.fedprune.coordinator.job..")
            .should().dependOnClassesThat().resideInAnyPackage("io.micronaut.http..", "io.micronaut.context..", "java.net..");

    /** The API adapts the services; no service calls back into it. */
    @ArchTest
    static final ArchRule onlyTheApiKnowsTheApi = noClasses().that().resideOutsideOfPackage("io.fedprune.coordinator.api..")
            .should().dependOnClassesThat().resideInAPackage("io.fedprune.coordinator.api..");

    /** The coordinator's packages depend on each other one way. */
    @ArchTest
    static final ArchRule noCycles = slices().matching("io.fedprune.coordinator.(*)..").should().beFreeOfCycles();
}
