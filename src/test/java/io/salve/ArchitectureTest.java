package io.salve;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The rooms of the code and their one-way arrows (README "Layout"): the math ({@code core}) and the models
 * ({@code model}) in the middle, the serving domain around them, Kafka, HTTP and telemetry at the edge, and one
 * composition root ({@code app}) that alone wires them. The build fails on a cycle or an arrow pointing outward.
 */
@AnalyzeClasses(packages = "io.salve", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule noCyclesBetweenPackages = slices().matching("io.salve.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule dependenciesPointInward = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("core").definedBy("io.salve.core..")
            .layer("data").definedBy("io.salve.data..")
            .layer("viz").definedBy("io.salve.viz..")
            .layer("model").definedBy("io.salve.model..")
            .layer("pipeline").definedBy("io.salve.pipeline..")
            .layer("edits").definedBy("io.salve.edits..")
            .layer("serve").definedBy("io.salve.serve..")
            .layer("wire").definedBy("io.salve.wire..")
            .layer("telemetry").definedBy("io.salve.telemetry..")
            .layer("kafka").definedBy("io.salve.kafka..")
            .layer("http").definedBy("io.salve.http..")
            .layer("devbroker").definedBy("io.salve.devbroker..")
            .layer("app").definedBy("io.salve.app..")
            .layer("bench").definedBy("io.salve.bench..")
            .layer("cli").definedBy("io.salve.cli..")
            .whereLayer("cli").mayNotBeAccessedByAnyLayer()
            .whereLayer("bench").mayOnlyBeAccessedByLayers("cli")
            .whereLayer("app").mayOnlyBeAccessedByLayers("cli", "bench")
            .whereLayer("devbroker").mayOnlyBeAccessedByLayers("app", "bench", "cli")
            .whereLayer("http").mayOnlyBeAccessedByLayers("app")
            .whereLayer("kafka").mayOnlyBeAccessedByLayers("app", "bench")
            .whereLayer("telemetry").mayOnlyBeAccessedByLayers("kafka", "http", "app", "bench")
            .whereLayer("wire").mayOnlyBeAccessedByLayers("kafka", "http", "app", "bench")
            .whereLayer("serve").mayOnlyBeAccessedByLayers("wire", "telemetry", "kafka", "http", "app", "bench")
            .whereLayer("edits").mayOnlyBeAccessedByLayers("serve", "http", "app", "bench")
            .whereLayer("pipeline").mayOnlyBeAccessedByLayers("app", "bench", "cli")
            .whereLayer("viz").mayOnlyBeAccessedByLayers("pipeline", "cli")
            .whereLayer("model").mayOnlyBeAccessedByLayers("pipeline", "edits", "serve", "wire", "telemetry", "kafka",
                    "http", "app", "bench", "cli")
            .whereLayer("data").mayOnlyBeAccessedByLayers("model", "pipeline", "wire", "kafka", "app", "bench", "cli")
            .whereLayer("core").mayOnlyBeAccessedByLayers("data", "viz", "model", "pipeline", "edits", "serve", "wire",
                    "telemetry", "kafka", "http", "devbroker", "app", "bench", "cli");
}
