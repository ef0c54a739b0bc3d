package io.provability.fabric.tests.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module and package rules of {@code docs/architecture.md}, checked on the compiled classes of
 * every module (tests excluded). Maven already keeps a module from compiling against one it does
 * not declare; these rules say what may depend on what inside and across modules, and why.
 */
class ArchitectureTest {
  private static final String[] DECISION_CORE = {
    "io.provability.fabric.processors.kernel..",
    "io.provability.fabric.processors.retrieval..",
    "io.provability.fabric.processors.egress..",
    "io.provability.fabric.processors.decide..",
    "io.provability.fabric.processors.crypto..",
  };
  private static final String[] STORAGE_CLIENTS = {
    "java.sql..", "org.postgresql..", "software.amazon..", "io.lettuce..",
  };
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("io.provability.fabric");
  }

  @Test
  void theDecisionCoreImportsNeitherKafkaNorStorage() {
    ArchRule rule =
        noClasses()
            .that()
            .resideInAnyPackage(DECISION_CORE)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(concat(STORAGE_CLIENTS, "org.apache.kafka.."))
            .because(
                "a decision is a pure function of the request, the policy and the session state: "
                    + "the same code decides in the topology, in replay and in policy tests, and "
                    + "golden vectors pin it without a broker or a database");
    rule.check(classes);
  }

  @Test
  void storageDoesNotDecide() {
    noClasses()
        .that()
        .resideInAnyPackage("io.provability.fabric.sinks..", "io.provability.fabric.connectors..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(DECISION_CORE)
        .because(
            "the sinks record what the topology decided; a sink that decided again could write a "
                + "verdict no decision record carries")
        .check(classes);
  }

  @Test
  void theApplicationNeverDependsOnTheToolsTheLoadGeneratorOrTheDevelopmentKit() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.provability.fabric.topology..",
            "io.provability.fabric.processors..",
            "io.provability.fabric.sinks..",
            "io.provability.fabric.connectors..",
            "io.provability.fabric.schemas..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.provability.fabric.tools..",
            "io.provability.fabric.load..",
            "io.provability.fabric.embedded..")
        .because(
            "the production distribution is the application and the tools without the embedded "
                + "kit; tools depend on the application, never the reverse")
        .check(classes);
  }

  @Test
  void onlyEmbeddedModeTouchesTheDevelopmentKit() {
    noClasses()
        .that()
        .resideInAnyPackage("io.provability.fabric.tools..", "io.provability.fabric.load..")
        .and()
        .doNotHaveFullyQualifiedName("io.provability.fabric.tools.cli.EmbeddedMode")
        .and()
        .doNotHaveFullyQualifiedName("io.provability.fabric.tools.cli.EmbeddedMode$1")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.provability.fabric.embedded..")
        .because(
            "the production distribution holds no embedded kit, and picocli reads every command "
                + "class's members: a command that named an embedded type would not load there")
        .check(classes);
  }

  @Test
  void theDevelopmentKitDependsOnNoOtherModule() {
    noClasses()
        .that()
        .resideInAPackage("io.provability.fabric.embedded..")
        .should()
        .dependOnClassesThat(
            DescribedPredicate.describe(
                "reside in another module of the project",
                (JavaClass c) ->
                    c.getPackageName().startsWith("io.provability.fabric.")
                        && !c.getPackageName().startsWith("io.provability.fabric.embedded")))
        .because("every module's tests may use it, so it must sit below all of them")
        .check(classes);
  }

  @Test
  void internalPackagesAreUsedOnlyInsideTheirModule() {
    for (String module :
        List.of("schemas", "processors", "sinks", "connectors", "topology", "tools")) {
      String own = "io.provability.fabric." + module + "..";
      noClasses()
          .that()
          .resideOutsideOfPackage(own)
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.provability.fabric." + module + "..internal..")
          .because(
              "a module's API packages are what other modules and users may call; its internal "
                  + "packages may change with no notice")
          .check(classes);
    }
  }

  @Test
  void modulesAreFreeOfCycles() {
    slices()
        .matching("io.provability.fabric.(*)..")
        .should()
        .beFreeOfCycles()
        .because("a module that needs its user cannot be understood, tested or shipped alone")
        .check(classes);
  }

  @Test
  void packagesAreFreeOfCycles() {
    slices()
        .matching("io.provability.fabric.(*).(*)..")
        .should()
        .beFreeOfCycles()
        .because(
            "each package is a layer of its module: a newcomer reads it knowing only the packages "
                + "below it")
        .check(classes);
  }

  private static String[] concat(String[] a, String b) {
    String[] out = Arrays.copyOf(a, a.length + 1);
    out[a.length] = b;
    return out;
  }
}
