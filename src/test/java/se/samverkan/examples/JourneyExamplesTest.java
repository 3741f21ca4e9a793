package se.samverkan.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.Journeys;

/**
 * The journey bundles under examples/ are accepted as they are committed (every resource conforms
 * to our profiles), and loading them a second time changes nothing: each entry is a conditional
 * update on a business identifier.
 */
class JourneyExamplesTest extends FhirServerTest {

  private static final List<String> COUNTED =
      List.of("Patient", "Organization", "Practitioner", "PractitionerRole", "CareTeam", "CarePlan",
          "Condition", "Observation", "Encounter", "Task", "Consent", "Goal");

  @Test
  void everyJourneyLoadsAndLoadingTwiceCreatesNoDuplicates() {
    assertThat(Journeys.bundles()).as("journey bundles in examples/").isNotEmpty();

    loadJourneys();
    Map<String, Integer> afterFirstLoad = counts();
    loadJourneys();

    assertThat(counts()).isEqualTo(afterFirstLoad);
    // The four journeys' people, each exactly once (other tests may have loaded the bundles too).
    for (String person : List.of(Journeys.ASTRID, Journeys.BERTIL, Journeys.CARL, Journeys.DAGNY)) {
      assertThat(idOf("Patient", person)).as(person).isNotBlank();
    }
  }

  private Map<String, Integer> counts() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String type : COUNTED) {
      counts.put(type, countAll("/" + type));
    }
    return counts;
  }
}
