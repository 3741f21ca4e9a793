package se.samverkan.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.ValidationOptions;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.UnknownCodeSystemWarningValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.utilities.npm.NpmPackage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import se.samverkan.support.ProfileExamples;

/**
 * Our Patient, Organization and Practitioner examples also conform to HL7 Sweden's national base
 * profiles (hl7se.fhir.base 1.1.0), so data in Samverkan is valid Swedish base data.
 * (SEBasePractitionerRole 1.1.0 cannot be validated against at all: its code.coding slices have no
 * fixed system to discriminate on.) The package
 * is read from ../shared (CC0, never committed here): missing, it fails the test under CI=true and
 * skips it with a message elsewhere.
 */
@ExtendWith(NationalBaseCompatibilityTest.PackagePresent.class)
class NationalBaseCompatibilityTest {

  static final Path HL7SE_PACKAGE = Path.of("../shared/fhir-packages/hl7se.fhir.base-1.1.0.tgz");
  private static final String SEBASE = "http://hl7.se/fhir/ig/base/StructureDefinition/";

  private static FhirContext fhirContext;
  private static FhirValidator validator;

  @BeforeAll
  static void nationalBaseValidator() throws IOException {
    fhirContext = FhirContext.forR4Cached();
    PrePopulatedValidationSupport hl7se = new PrePopulatedValidationSupport(fhirContext);
    try (InputStream in = Files.newInputStream(HL7SE_PACKAGE)) {
      NpmPackage npm = NpmPackage.fromPackage(in);
      for (String type : new String[] {"StructureDefinition", "CodeSystem", "ValueSet"}) {
        for (String file : npm.listResources(type)) {
          try (InputStream resource = npm.load("package", file)) {
            hl7se.addResource(fhirContext.newJsonParser().parseResource(resource));
          }
        }
      }
    }
    UnknownCodeSystemWarningValidationSupport unknownSystems = new UnknownCodeSystemWarningValidationSupport(fhirContext);
    unknownSystems.setNonExistentCodeSystemSeverity(IValidationSupport.IssueSeverity.WARNING);
    ValidationSupportChain chain = new ValidationSupportChain(
        new DefaultProfileValidationSupport(fhirContext), hl7se,
        new SnapshotGeneratingValidationSupport(fhirContext),
        new InMemoryTerminologyServerValidationSupport(fhirContext),
        new CommonCodeSystemsTerminologyService(fhirContext), unknownSystems);
    validator = fhirContext.newValidator().registerValidatorModule(new FhirInstanceValidator(chain));
  }

  @ParameterizedTest(name = "{0} conforms to {1}")
  @CsvSource({
    "patient/examples/Patient-example-greta.json, SEBasePatient",
    "patient/examples/Patient-example-sven-protected.json, SEBasePatient",
    "organization/examples/Organization-example-region-blekinge.json, SEBaseOrganization",
    "organization/examples/Organization-example-vardcentral-ronneby.json, SEBaseOrganization",
    "organization/examples/Organization-example-kommun-karlskrona.json, SEBaseOrganization",
    "practitioner/examples/Practitioner-example-anna.json, SEBasePractitioner",
    "practitioner/examples/Practitioner-example-erik.json, SEBasePractitioner"
  })
  void ourExampleConformsToTheNationalBaseProfile(String example, String baseProfile) {
    Resource resource = (Resource) fhirContext.newJsonParser().parseResource(ProfileExamples.read(example));
    resource.getMeta().getProfile().clear(); // our own profiles are not loaded in this validator

    ValidationResult result =
        validator.validateWithResult(resource, new ValidationOptions().addProfile(SEBASE + baseProfile));

    assertThat(result.getMessages())
        .filteredOn(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
        .as("errors against " + baseProfile)
        .isEmpty();
  }

  /** Fails under CI=true and skips elsewhere, with a message, when the package is not there. */
  static class PackagePresent implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      if (Files.isRegularFile(HL7SE_PACKAGE)) {
        return ConditionEvaluationResult.enabled("HL7 Sweden base package at " + HL7SE_PACKAGE);
      }
      String message = "HL7 Sweden's base package is missing at " + HL7SE_PACKAGE.toAbsolutePath()
          + " (it comes with ../shared beside the checkout)";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException(message);
      }
      System.err.println("SKIPPED: " + message);
      return ConditionEvaluationResult.disabled(message);
    }
  }
}
