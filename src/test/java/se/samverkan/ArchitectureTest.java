package se.samverkan;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package graph of the main code (issue 19). Read from the top: {@code server} composes
 * everything; the features ({@code notify}, {@code coordination}, {@code worklist},
 * {@code profiles}, {@code journey}, {@code ops}, {@code storage}) build on {@code audit}, which
 * builds on {@code access} (may they see or change this), which builds on {@code auth} (who is
 * calling); below them {@code server.edge} (refused before FHIR), {@code server.errors} (one
 * translation of exceptions into answers), {@code messages} and {@code server.spi} (what features
 * implement or read). A rule that fails names the class and the dependency that breaks it.
 */
class ArchitectureTest {

  private static final String[] FEATURES = {
      "se.samverkan.notify..", "se.samverkan.coordination..", "se.samverkan.worklist..", "se.samverkan.profiles..",
      "se.samverkan.journey..", "se.samverkan.ops..", "se.samverkan.storage.."};

  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("se.samverkan");
  }

  @Test
  void noPackageDependsOnAnotherThatDependsBackOnIt() {
    // Each package its own slice (se.samverkan.server and se.samverkan.server.edge are two).
    slices().matching("se.samverkan.(**)").should().beFreeOfCycles().check(main);
  }

  @Test
  void nothingDependsOnTheCompositionRoot() {
    // se.samverkan.server only, not its subpackages; SamverkanApplication is the entry point that
    // Spring starts from, and names no server class.
    noClasses().that().resideOutsideOfPackage("se.samverkan.server")
        .should().dependOnClassesThat().resideInAPackage("se.samverkan.server")
        .check(main);
  }

  @Test
  void whoIsCallingAndWhatTheyMaySeeKnowNoFeatureAboveThem() {
    noClasses().that().resideInAnyPackage("se.samverkan.auth..", "se.samverkan.access..", "se.samverkan.audit..")
        .should().dependOnClassesThat().resideInAnyPackage(FEATURES)
        .check(main);
  }

  @Test
  void accessAndAuthDoNotDependOnAudit() {
    noClasses().that().resideInAnyPackage("se.samverkan.auth..", "se.samverkan.access..")
        .should().dependOnClassesThat().resideInAPackage("se.samverkan.audit..")
        .check(main);
  }

  @Test
  void authDoesNotDependOnAccess() {
    noClasses().that().resideInAPackage("se.samverkan.auth..")
        .should().dependOnClassesThat().resideInAPackage("se.samverkan.access..")
        .check(main);
  }

  @Test
  void theSpiDependsOnNoOtherPackageOfOurs() {
    noClasses().that().resideInAPackage("se.samverkan.server.spi..")
        .should().dependOnClassesThat(ours().and(notIn("se.samverkan.server.spi..")))
        .check(main);
  }

  @Test
  void theVocabularyDependsOnNoOtherPackageOfOurs() {
    noClasses().that().resideInAPackage("se.samverkan.vocabulary..")
        .should().dependOnClassesThat(ours().and(notIn("se.samverkan.vocabulary..")))
        .check(main);
  }

  // The vocabulary's constants are compile-time constants, which javac copies into the classes that
  // use them: ArchUnit sees no dependency on them. The rules below allow the vocabulary anyway, so
  // that they say what the imports say.

  @Test
  void messagesDependOnlyOnTheSpiAndTheVocabulary() {
    noClasses().that().resideInAPackage("se.samverkan.messages..")
        .should().dependOnClassesThat(ours().and(notIn("se.samverkan.messages..", "se.samverkan.server.spi..",
            "se.samverkan.vocabulary..")))
        .check(main);
  }

  @Test
  void errorsDependOnlyOnMessagesAndTheSpi() {
    noClasses().that().resideInAPackage("se.samverkan.server.errors..")
        .should().dependOnClassesThat(
            ours().and(notIn("se.samverkan.server.errors..", "se.samverkan.messages..", "se.samverkan.server.spi..",
                "se.samverkan.vocabulary..")))
        .check(main);
  }

  @Test
  void theEdgeDependsOnlyOnErrorsMessagesAndTheSpi() {
    noClasses().that().resideInAPackage("se.samverkan.server.edge..")
        .should().dependOnClassesThat(ours().and(notIn("se.samverkan.server.edge..", "se.samverkan.server.errors..",
            "se.samverkan.messages..", "se.samverkan.server.spi..", "se.samverkan.vocabulary..")))
        .check(main);
  }

  private static DescribedPredicate<JavaClass> ours() {
    return resideInAPackage("se.samverkan..");
  }

  private static DescribedPredicate<JavaClass> notIn(String... packages) {
    return not(resideInAnyPackage(packages));
  }
}
