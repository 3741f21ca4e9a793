package se.samverkan.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.ProfileExamples;

/** $validate runs the same checks as a write, against the profile the client names. */
class ValidateOperationTest extends FhirServerTest {

  private static final String PATIENT_PROFILE = "https://samverkan.se/fhir/StructureDefinition/SamverkanPatient";

  @Test
  void aValidExampleValidatesAgainstItsProfile() {
    HttpResponse<String> response = send("POST", "/Patient/$validate?profile=" + PATIENT_PROFILE,
        ProfileExamples.read("patient/examples/Patient-example-greta.json"));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(outcome(response).getIssue())
        .noneMatch(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR);
  }

  @Test
  void theSwedishIdentifierRulesArePartOfValidate() {
    String body = ProfileExamples.read("patient/examples/Patient-example-greta.json")
        .replace("194005219821", "194005219822");

    HttpResponse<String> response = send("POST", "/Patient/$validate?profile=" + PATIENT_PROFILE, body);

    // The FHIR specification has $validate answer 200 whatever the verdict; the verdict is the outcome.
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(outcome(response).getIssue())
        .filteredOn(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
        .anySatisfy(i -> assertThat(i.getDiagnostics()).contains("check digit is wrong"));
  }

  @Test
  void aProfileTheServerDoesNotKnowIsReported() {
    HttpResponse<String> response = send("POST", "/Patient/$validate?profile=https://example.org/Unknown",
        ProfileExamples.read("patient/examples/Patient-example-greta.json"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(outcome(response).getIssue())
        .as(response.body())
        .filteredOn(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
        .anySatisfy(i -> assertThat(i.getDiagnostics()).contains("https://example.org/Unknown"));
  }
}
