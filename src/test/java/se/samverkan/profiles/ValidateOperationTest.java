package se.samverkan.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.ProfileExamples;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;

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

  /**
   * The validator learns a local reference's type from the reference (ReferenceTypeFetcher), not by
   * reading the target: a subject that names an Organization is the wrong type whether or not one
   * with that id exists. Before, a missing target's type went unchecked and validation passed.
   */
  @Test
  void aReferenceOfTheWrongTypeIsRefusedWhetherOrNotItsTargetExists() {
    String weight = ProfileExamples.read("observation/examples/Observation-example-body-weight.json");
    String toNoOrganization = weight.replace("\"Patient/example-greta\"", "\"Organization/no-such-organization\"");
    assertThat(toNoOrganization).isNotEqualTo(weight);

    HttpResponse<String> missing = send("POST", "/Observation/$validate", toNoOrganization);
    HttpResponse<String> valid = send("POST", "/Observation/$validate", weight);

    assertThat(outcome(missing).getIssue())
        .as(missing.body())
        .filteredOn(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
        .anySatisfy(i -> assertThat(i.getExpression()).anyMatch(e -> e.getValue().startsWith("Observation.subject")));
    assertThat(outcome(valid).getIssue()).noneMatch(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR);
  }

  /**
   * Without {@code ?profile=}, $validate judges by the profile a write would apply (here the care
   * plan profile its category selects), so "valid" means "a POST would store it".
   */
  @Test
  void withoutAProfileValidateFindsTheErrorsAWriteIsRefusedFor() {
    IdType patient = create(TestPeople.patient());
    CarePlan untitled = TestData.carePlan(patient);
    untitled.setTitle(null);
    untitled.setAuthor(null);

    HttpResponse<String> write = send("POST", "/CarePlan", json(untitled));
    assertThat(write.statusCode()).as(write.body()).isEqualTo(422);
    List<String> refusedFor = errors(outcome(write));
    assertThat(refusedFor).isNotEmpty();

    HttpResponse<String> validated = send("POST", "/CarePlan/$validate", json(untitled));
    // The FHIR specification has $validate answer 200 whatever the verdict (HAPI 8.8 does so,
    // BaseHapiFhirResourceDao#validate): the errors are the verdict.
    assertThat(validated.statusCode()).as(validated.body()).isEqualTo(200);
    assertThat(errors(outcome(validated))).containsExactlyInAnyOrderElementsOf(refusedFor);
  }

  @Test
  void withoutAProfileACarePlanAWriteWouldStoreValidatesWithoutErrors() {
    IdType patient = create(TestPeople.patient());
    CarePlan plan = TestData.carePlan(patient);

    HttpResponse<String> validated = send("POST", "/CarePlan/$validate", json(plan));

    assertThat(validated.statusCode()).isEqualTo(200);
    assertThat(errors(outcome(validated))).as(validated.body()).isEmpty();
    assertThat(send("POST", "/CarePlan", json(plan)).statusCode()).isEqualTo(201);
  }

  /** Each error as "where: what", the way a client would show it. */
  private static List<String> errors(OperationOutcome outcome) {
    return outcome.getIssue().stream()
        .filter(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR
            || i.getSeverity() == OperationOutcome.IssueSeverity.FATAL)
        .map(i -> i.getExpression() + ": " + i.getDiagnostics())
        .toList();
  }
}
