package se.samverkan.profiles;

import se.samverkan.vocabulary.Vocabulary;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import se.samverkan.support.FhirServerTest;

/**
 * The three enforcement modes, each run through the real catalog and validator of the running
 * server (strict, the configured default, is also exercised over HTTP by ProfileEnforcementTest).
 */
class EnforcementModesTest extends FhirServerTest {

  private static final String PATIENT_PROFILE = "https://samverkan.se/fhir/StructureDefinition/SamverkanPatient";

  @Autowired ProfileCatalog catalog;
  @Autowired SamverkanValidator validator;
  @Autowired ProfilesProperties configured;
  @Autowired ValidationMemo memo;

  @Test
  void strictIsTheDefault() {
    org.assertj.core.api.Assertions.assertThat(configured.enforcement()).isEqualTo(ProfilesProperties.Enforcement.STRICT);
  }

  @Test
  void strictChecksEveryPatientWhetherOrNotItNamesTheProfile() {
    assertThatThrownBy(() -> enforcer(ProfilesProperties.Enforcement.STRICT).enforce(brokenPatient(false), null))
        .isInstanceOf(UnprocessableEntityException.class);
  }

  @Test
  void declaredChecksOnlyPatientsThatNameTheProfile() {
    ProfileEnforcementInterceptor declared = enforcer(ProfilesProperties.Enforcement.DECLARED);

    assertThatCode(() -> declared.enforce(brokenPatient(false), null)).doesNotThrowAnyException();
    assertThatThrownBy(() -> declared.enforce(brokenPatient(true), null))
        .isInstanceOf(UnprocessableEntityException.class);
  }

  @Test
  void offChecksNothing() {
    ProfileEnforcementInterceptor off = enforcer(ProfilesProperties.Enforcement.OFF);

    assertThatCode(() -> off.enforce(brokenPatient(true), null)).doesNotThrowAnyException();
  }

  private ProfileEnforcementInterceptor enforcer(ProfilesProperties.Enforcement mode) {
    return new ProfileEnforcementInterceptor(new ProfilesProperties(mode), catalog, fhirContext, validator, memo);
  }

  /** A patient whose personnummer has a wrong check digit. */
  private static Patient brokenPatient(boolean declaresProfile) {
    Patient patient = new Patient();
    patient.addIdentifier().setSystem(Vocabulary.PERSONNUMMER).setValue("194005219822");
    if (declaresProfile) {
      patient.getMeta().addProfile(PATIENT_PROFILE);
    }
    return patient;
  }
}
