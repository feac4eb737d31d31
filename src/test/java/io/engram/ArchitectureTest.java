package io.engram;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packages of the service depend on each other in one direction (docs/architecture.md): no
 * cycle between any two of them, and the flow's stages never reach back up the flow.
 */
class ArchitectureTest {

    private static JavaClasses service;

    @BeforeAll
    static void importServiceClasses() {
        service = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.engram");
    }

    @Test
    void packages_areFreeOfCycles() {
        slices().matching("io.engram.(*)..").should().beFreeOfCycles().check(service);
    }

    @Test
    void networks_knowNothingOfLearningMethodsOrTheStream() {
        noClasses().that().resideInAPackage("io.engram.network..")
                .should().dependOnClassesThat().resideInAnyPackage("io.engram.learn..", "io.engram.consolidate..", "io.engram.evaluate..",
                        "io.engram.replay..", "io.engram.ingest..", "io.engram.publish..", "io.engram.checkpoint..", "io.engram.api..")
                .check(service);
    }

    @Test
    void learning_knowsNothingOfKafkaPublishingOrState() {
        noClasses().that().resideInAnyPackage("io.engram.learn..", "io.engram.consolidate..", "io.engram.evaluate..", "io.engram.replay..")
                .should().dependOnClassesThat().resideInAnyPackage("io.engram.ingest..", "io.engram.publish..", "io.engram.checkpoint..",
                        "io.engram.broker..", "io.engram.api..", "org.apache.kafka..")
                .check(service);
    }

    @Test
    void ingest_handsRecordsOverAndKnowsNothingOfPublishingOrSnapshots() {
        noClasses().that().resideInAPackage("io.engram.ingest..")
                .should().dependOnClassesThat().resideInAnyPackage("io.engram.publish..", "io.engram.checkpoint..", "io.engram.api..")
                .check(service);
    }
}
