package dev.microsandbox.otel;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packages' layering, as each {@code package-info.java} states it, held to the compiled
 * production classes: a change that adds an arrow upward (or a cycle) fails here.
 */
class ArchitectureTest {

  private static final String BASE = "dev.microsandbox.otel";
  private static JavaClasses classes;

  @BeforeAll
  static void importProductionClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages(BASE);
  }

  @Test
  void eachPackageUsesOnlyThePackagesBelowIt() {
    ArchRule rule =
        layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .layer("support")
            .definedBy(BASE + ".support..")
            .layer("registry")
            .definedBy(BASE + ".registry..")
            .layer("labels")
            .definedBy(BASE + ".labels..")
            .layer("lifecycle")
            .definedBy(BASE + ".lifecycle..")
            .layer("otlp")
            .definedBy(BASE + ".otlp..")
            .layer("userevents")
            .definedBy(BASE + ".userevents..")
            .layer("sidecar")
            .definedBy(BASE + ".sidecar..")
            .layer("cli")
            .definedBy(BASE + ".cli..")
            .layer("series")
            .definedBy(BASE + ".metrics.series..")
            .layer("settings")
            .definedBy(BASE + ".metrics.settings..")
            .layer("data")
            .definedBy(BASE + ".metrics.data..")
            .layer("sampling")
            .definedBy(BASE + ".metrics.sampling..")
            .layer("instruments")
            .definedBy(BASE + ".metrics.instruments..")
            .layer("export")
            .definedBy(BASE + ".metrics.export..")
            .layer("wiring")
            .definedBy(BASE + ".metrics")
            .whereLayer("support")
            .mayNotAccessAnyLayer()
            .whereLayer("registry")
            .mayOnlyAccessLayers("support")
            .whereLayer("labels")
            .mayOnlyAccessLayers("registry", "support")
            .whereLayer("lifecycle")
            .mayOnlyAccessLayers("labels", "registry", "support")
            .whereLayer("otlp")
            .mayOnlyAccessLayers("support")
            .whereLayer("userevents")
            .mayOnlyAccessLayers("support")
            .whereLayer("sidecar")
            .mayOnlyAccessLayers("support")
            .whereLayer("cli")
            .mayOnlyAccessLayers("lifecycle", "labels", "registry", "support")
            .whereLayer("series")
            .mayOnlyAccessLayers("lifecycle", "labels", "registry", "support")
            .whereLayer("settings")
            .mayOnlyAccessLayers("series", "sidecar", "lifecycle", "labels", "registry", "support")
            .whereLayer("data")
            .mayOnlyAccessLayers("series", "otlp", "registry", "support")
            .whereLayer("sampling")
            .mayOnlyAccessLayers("data", "series", "lifecycle", "labels", "registry", "support")
            .whereLayer("instruments")
            .mayOnlyAccessLayers(
                "sampling",
                "data",
                "series",
                "userevents",
                "lifecycle",
                "labels",
                "registry",
                "support")
            .whereLayer("export")
            .mayOnlyAccessLayers(
                "instruments",
                "sampling",
                "data",
                "series",
                "otlp",
                "userevents",
                "registry",
                "support")
            .whereLayer("wiring")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("cli")
            .mayNotBeAccessedByAnyLayer();
    rule.check(classes);
  }

  @Test
  void noPackagesDependOnEachOtherInACycle() {
    slices().matching(BASE + ".(**)").should().beFreeOfCycles().check(classes);
  }
}
