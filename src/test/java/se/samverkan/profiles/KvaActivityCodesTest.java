package se.samverkan.profiles;

import se.samverkan.vocabulary.Vocabulary;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import se.samverkan.journey.KvaCode;
import se.samverkan.journey.PopulationGenerator;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.Journeys;
import se.samverkan.support.ProfileExamples;

/**
 * SIP and AMP activities carry a KVÅ code where one fits (issue 18), the server keeps and indexes
 * it, and no example, journey or generated plan uses a KVÅ code that profiles/careplan/KVA.md does
 * not list as confirmed in a public source: the server holds no KVÅ release and cannot tell a real
 * code from an invented one.
 */
class KvaActivityCodesTest extends FhirServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KVA = Vocabulary.KVA;
  /** A row of KVA.md's table: | `CODE` | Title | ... */
  private static final Pattern ROW = Pattern.compile("^\\| `([A-Z]{2}\\d{3})` \\| ([^|]+?) \\|");

  @TempDir static Path generated;

  @Test
  void theSipAndAmpExamplesAreStoredWithTheirKvaCodedActivities() {
    Map<String, List<String>> expected = Map.of(
        "example-sip", List.of("ZV025", "AU120"),
        "example-amp", List.of("ZV025"));

    for (Map.Entry<String, List<String>> plan : expected.entrySet()) {
      CarePlan stored = parse(CarePlan.class, get("/CarePlan/" + plan.getKey()));
      List<String> codes = stored.getActivity().stream()
          .flatMap(a -> a.getDetail().getCode().getCoding().stream())
          .filter(c -> KVA.equals(c.getSystem())).map(c -> c.getCode()).toList();
      assertThat(codes).as(plan.getKey()).containsExactlyElementsOf(plan.getValue());
    }
    // Indexed too: CarePlan's activity-code search finds both plans by the home visit.
    Bundle byHomeVisit = searchBundle("/CarePlan?_id=example-sip,example-amp&activity-code=" + KVA + "%7CZV025");
    assertThat(byHomeVisit.getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart())
        .containsExactlyInAnyOrder("example-sip", "example-amp");
  }

  @Test
  void theJourneysSipAndAmpPlansAreStoredWithKvaCodedActivities() {
    loadJourneys();

    String astrid = "&subject=Patient/" + idOf("Patient", Journeys.ASTRID);
    String bertil = "&subject=Patient/" + idOf("Patient", Journeys.BERTIL);

    assertThat(titles("ZV025", astrid)).containsExactly("Avancerad medicinsk individuell vårdplan (AMP) för Astrid");
    assertThat(titles("ZV025", bertil)).containsExactlyInAnyOrder("Samordnad individuell plan (SIP) för Bertil",
        "Avancerad medicinsk individuell vårdplan (AMP) för Bertil", "Samordnad plan vid utskrivning för Bertil");
    assertThat(titles("AU120", bertil)).containsExactly("Samordnad individuell plan (SIP) för Bertil");
    assertThat(titles("XS012", bertil)).containsExactly("Samordnad plan vid utskrivning för Bertil");
  }

  @Test
  void everyGeneratedSipHasAHomeVisitAndAFollowUpAndEveryAmpAHomeVisit() throws IOException {
    List<JsonNode> plans = generatedCarePlans();
    List<JsonNode> sips = plans.stream().filter(p -> p.path("title").asText().startsWith("Samordnad individuell plan")).toList();
    List<JsonNode> amps = plans.stream().filter(p -> p.path("title").asText().startsWith("Avancerad medicinsk")).toList();

    assertThat(sips).isNotEmpty();
    assertThat(amps).isNotEmpty();
    sips.forEach(sip -> assertThat(kvaCodes(sip)).as(sip.path("title").asText()).containsExactly("ZV025", "AU120"));
    amps.forEach(amp -> assertThat(kvaCodes(amp)).as(amp.path("title").asText()).containsExactly("ZV025"));
  }

  @Test
  void everyKvaCodeInUseIsListedInKvaMdWithTheTitleItHasThere() throws IOException {
    Map<String, String> confirmed = confirmedCodes();
    Map<String, String> inUse = new LinkedHashMap<>();
    for (KvaCode code : KvaCode.values()) {
      inUse.put(code.code() + " (KvaCode)", code.display());
    }
    Consumer<JsonNode> collect = plan -> plan.path("activity").forEach(a -> a.at("/detail/code/coding").forEach(c -> {
      if (KVA.equals(c.path("system").asText())) {
        inUse.put(c.path("code").asText() + " (" + plan.path("title").asText() + ")", c.path("display").asText());
      }
    }));
    for (Path file : ProfileExamples.all()) {
      JsonNode resource = JSON.readTree(file.toFile());
      if (resource.path("resourceType").asText().equals("CarePlan")) {
        collect.accept(resource);
      }
    }
    for (Path bundle : Journeys.bundles()) {
      JSON.readTree(bundle.toFile()).path("entry").forEach(e -> {
        if (e.at("/resource/resourceType").asText().equals("CarePlan")) {
          collect.accept(e.get("resource"));
        }
      });
    }
    generatedCarePlans().forEach(collect);

    assertThat(confirmed).as("KVA.md's table").isNotEmpty();
    assertThat(inUse).isNotEmpty().allSatisfy((where, display) -> {
      String code = where.substring(0, where.indexOf(' '));
      assertThat(confirmed).as(where).containsEntry(code, display);
    });
  }

  /** KVA.md's table: the confirmed codes and their titles. */
  private static Map<String, String> confirmedCodes() throws IOException {
    Map<String, String> codes = new LinkedHashMap<>();
    for (String line : Files.readAllLines(ProfileExamples.PROFILES.resolve("careplan/KVA.md"))) {
      Matcher row = ROW.matcher(line);
      if (row.find()) {
        codes.put(row.group(1), row.group(2).trim());
      }
    }
    return codes;
  }

  /** The CarePlans of a small generated population (deterministic: a fixed seed). */
  private static List<JsonNode> generatedCarePlans() throws IOException {
    Path out = generated.resolve("population");
    if (!Files.exists(out)) {
      new PopulationGenerator(20261102L).write(6, out, Path.of("examples/00-county.json"));
    }
    List<JsonNode> plans = new ArrayList<>();
    try (Stream<Path> files = Files.walk(out)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        JSON.readTree(file.toFile()).path("entry").forEach(e -> {
          if (e.at("/resource/resourceType").asText().equals("CarePlan")) {
            plans.add(e.get("resource"));
          }
        });
      }
    }
    return plans;
  }

  private static List<String> kvaCodes(JsonNode plan) {
    List<String> codes = new ArrayList<>();
    plan.path("activity").forEach(a -> a.at("/detail/code/coding").forEach(c -> {
      if (KVA.equals(c.path("system").asText())) {
        codes.add(c.path("code").asText());
      }
    }));
    return codes;
  }

  /** The titles of the CarePlans of one person with an activity of a KVÅ code. */
  private List<String> titles(String kvaCode, String subject) {
    return searchBundle("/CarePlan?activity-code=" + KVA + "%7C" + kvaCode + subject).getEntry().stream()
        .map(e -> ((CarePlan) e.getResource()).getTitle()).toList();
  }
}
