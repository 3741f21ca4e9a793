package se.samverkan.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;

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
  void everyJourneyLoadsAndLoadingTwiceCreatesNoDuplicates() throws IOException {
    List<Path> bundles = journeyBundles();
    assertThat(bundles).as("journey bundles in examples/").isNotEmpty();

    bundles.forEach(this::load);
    Map<String, Integer> afterFirstLoad = counts();
    bundles.forEach(this::load);

    assertThat(counts()).isEqualTo(afterFirstLoad);
    // The four journeys' people, each exactly once (other tests may have loaded the bundles too).
    for (String person : List.of(
        "personnummer|193903149825", "personnummer|194207089840",
        "samordningsnummer|193709779882", "personnummer|194501259867")) {
      Bundle found = parse(Bundle.class, get("/Patient?identifier=http://electronichealth.se/identifier/"
          + person.replace("|", "%7C")));
      assertThat(found.getEntry()).as(person).hasSize(1);
    }
  }

  private static List<Path> journeyBundles() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("examples"))) {
      return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
  }

  private void load(Path bundle) {
    try {
      HttpResponse<String> response = send("POST", "", Files.readString(bundle));
      assertThat(response.statusCode()).as(bundle + ": " + response.body()).isEqualTo(200);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Map<String, Integer> counts() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String type : COUNTED) {
      counts.put(type, parse(Bundle.class, get("/" + type + "?_summary=count")).getTotal());
    }
    return counts;
  }
}
