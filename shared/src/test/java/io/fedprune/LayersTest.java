package io.fedprune;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The layers of DESIGN.md §1 inside {@code shared}: pure math knows no transport, the library knows no Micronaut, and
 * the packages depend on each other one way. (Maven keeps the modules one way: {@code shared} cannot see the others.)
 */
@AnalyzeClasses(packages = "io.fedprune", importOptions = ImportOption.DoNotIncludeTests.class)
class LayersTest {
    private static final String[] TRANSPORT = {"org.apache.kafka..", "io.micronaut..", "java.net..", "io.fedprune.kafka..",
            "io.fedprune.wire.."};

    /** DPP and fusion are pure math: the JDK (and its vector API) and each other, nothing else. */
    @ArchTest
    static final ArchRule mathIsPure = classes().that().resideInAnyPackage("io.fedprune.dpp..", "io.fedprune.fuse..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "jdk.incubator.vector..", "io.fedprune.dpp..", "io.fedprune.fuse..");

    /** Models and data (ND4J, files) know neither Kafka, Micronaut, the network nor the wire messages. */
    @ArchTest
    static final ArchRule modelsAndDataKnowNoTransport = noClasses().that().resideInAnyPackage("io.fedprune.model..", "io.fedprune.data..")
            .should().dependOnClassesThat().resideInAnyPackage(TRANSPORT);

    /** The compact runtime and ONNX read and write files (safetensors lives in wire) but know no Kafka or network. */
    @ArchTest
    static final ArchRule runtimeKnowsNoKafka = noClasses().that().resideInAnyPackage("io.fedprune.runtime..", "io.fedprune.onnx..")
            .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", "io.micronaut..", "java.net..", "io.fedprune.kafka..");

    /** The wire format is bytes and records: Kafka is the kafka package's business. */
    @ArchTest
    static final ArchRule wireKnowsNoKafka = noClasses().that().resideInAPackage("io.fedprune.wire..")
            .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", "io.micronaut..", "java.net..", "io.fedprune.kafka..");

    /** Nothing in the library knows Micronaut. */
    @ArchTest
    static final ArchRule noMicronaut = noClasses().should().dependOnClassesThat().resideInAPackage("io.micronaut..");

    /** The packages depend on each other one way. */
    @ArchTest
    static final ArchRule noCycles = slices().matching("io.fedprune.(*)..").should().beFreeOfCycles();
}
