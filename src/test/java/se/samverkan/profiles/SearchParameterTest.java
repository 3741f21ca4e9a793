package se.samverkan.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.SearchParameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestPeople;

/**
 * Our package's SearchParameters are installed and in force, and a SearchParameter added to a
 * server that already holds data finds that data too: HAPI's REINDEX job runs for it.
 */
class SearchParameterTest extends FhirServerTest {

  @ParameterizedTest
  @CsvSource({
      "CareTeam, participant-organization",
      "Patient, kommun",
      "CarePlan, plan-type",
      "CarePlan, responsible-huvudman",
      "Observation, value-boolean",
      "Task, due"})
  void packageSearchParametersAreInstalledAndAnnounced(String type, String code) {
    Bundle stored = searchBundle("/SearchParameter?url=https://samverkan.se/fhir/SearchParameter/" + type + "-" + code);
    assertThat(stored.getEntry()).hasSize(1);

    CapabilityStatement metadata = parse(CapabilityStatement.class, get("/metadata"));
    assertThat(metadata.getRestFirstRep().getResource().stream()
            .filter(r -> r.getType().equals(type))
            .flatMap(r -> r.getSearchParam().stream())
            .map(CapabilityStatement.CapabilityStatementRestResourceSearchParamComponent::getName))
        .contains(code);
  }

  @Test
  void dueFindsCoordinationTasksByTheirDeadline() {
    // profiles/task/examples: Greta's tasks are due 2025-02-25, 03-03, 03-06 and 04-13; utskrivningsklar has no due date
    Bundle due = searchBundle("/Task?subject=Patient/example-greta&due=le2025-03-04&_sort=due");

    // Only the examples (ids "example-…"): Tasks created by other tests or by the server get ids of their own.
    assertThat(due.getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart())
        .filteredOn(id -> id.startsWith("example-"))
        .containsExactly("example-greta-admission-notice", "example-greta-sip-call");
  }

  @Test
  void aNewSearchParameterFindsDataStoredBeforeIt() throws InterruptedException {
    Patient widowed = TestPeople.patient();
    widowed.setMaritalStatus(new CodeableConcept().addCoding(
        new org.hl7.fhir.r4.model.Coding("http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "W", "Widowed")));
    client.create().resource(widowed).execute();
    String code = "test-marital-" + Long.toString(System.nanoTime(), 36).toLowerCase(Locale.ROOT);
    String query = "/Patient?identifier=" + widowed.getIdentifierFirstRep().getValue() + "&" + code + "=W";
    assertThat(get(query).statusCode()).as("unknown before the parameter exists").isEqualTo(400);

    SearchParameter maritalStatus = new SearchParameter()
        .setUrl("https://samverkan.se/fhir/SearchParameter/test-" + code)
        .setName("TestMaritalStatus")
        .setStatus(Enumerations.PublicationStatus.ACTIVE)
        .setDescription("Test only: marital status")
        .setCode(code)
        .setType(Enumerations.SearchParamType.TOKEN)
        .setExpression("Patient.maritalStatus");
    maritalStatus.addBase("Patient");
    client.create().resource(maritalStatus).execute();

    Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
    int found = -1;
    while (Instant.now().isBefore(deadline)) {
      HttpResponse<String> response = get(query);
      if (response.statusCode() == 200 && (found = parse(Bundle.class, response).getEntry().size()) == 1) {
        break;
      }
      Thread.sleep(500);
    }
    assertThat(found).as("the patient stored before the parameter, found by it after reindexing").isEqualTo(1);
  }
}
