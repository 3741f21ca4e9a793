package se.samverkan.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.ProfileExamples;

/**
 * When a day's birth numbers run out, Skatteverket gives a nearby date in the personnummer, so a
 * birthDate that differs from it is the person's real one: stored, with a warning where warnings
 * are shown ($validate, and the OperationOutcome a client asks for with Prefer: return=OperationOutcome).
 */
class BirthDateWarningTest extends FhirServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aBirthDateOtherThanThePersonnummersIsStoredWithAWarning() throws Exception {
    String patient = gretaBornADayLater();

    HttpResponse<String> created = send("POST", "/Patient", patient, "Prefer", "return=OperationOutcome");

    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(outcome(created).getIssue()).anySatisfy(BirthDateWarningTest::isTheBirthDateWarning);
  }

  @Test
  void validateShowsTheSameWarningAndNoError() throws Exception {
    HttpResponse<String> validated = send("POST", "/Patient/$validate", gretaBornADayLater());

    assertThat(validated.statusCode()).as(validated.body()).isEqualTo(200);
    OperationOutcome outcome = outcome(validated);
    assertThat(outcome.getIssue()).anySatisfy(BirthDateWarningTest::isTheBirthDateWarning);
    assertThat(outcome.getIssue()).as(validated.body())
        .noneMatch(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR);
  }

  private static void isTheBirthDateWarning(OperationOutcomeIssueComponent issue) {
    assertThat(issue.getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.WARNING);
    assertThat(issue.getExpression()).anySatisfy(e -> assertThat(e.getValue()).isEqualTo("Patient.birthDate"));
    assertThat(issue.getDiagnostics()).contains("differs from the date in the personnummer")
        .doesNotContain("194005219821");
  }

  /** Greta's personnummer (1940-05-21) with a birthDate a day later. */
  private static String gretaBornADayLater() throws Exception {
    ObjectNode patient = (ObjectNode) JSON.readTree(ProfileExamples.read("patient/examples/Patient-example-greta.json"));
    patient.remove("id");
    patient.put("birthDate", "1940-05-22");
    return JSON.writeValueAsString(patient);
  }
}
