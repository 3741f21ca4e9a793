package se.samverkan.examples;

import se.samverkan.vocabulary.Vocabulary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import se.samverkan.journey.PopulationGenerator;
import se.samverkan.profiles.SwedishPersonIdentifiers;

/** The population generator's output, read back as plain JSON: no server needed. */
class PopulationGeneratorTest {

  private static final long SEED = 20261102L;
  private static final int PATIENTS = 12;
  private static final Path COUNTY = Path.of("examples/00-county.json");
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Entry URLs are Type?identifier=system|value. */
  private static final Pattern CONDITIONAL = Pattern.compile("^([A-Za-z]+)\\?identifier=([^|]+)\\|(.+)$");
  private static final Set<String> JOURNEY_PEOPLE =
      Set.of("193903149825", "194207089840", "193709779882", "194501259867");

  @TempDir static Path tmp;
  private static Path population;
  private static List<JsonNode> entries;

  @BeforeAll
  static void generate() throws IOException {
    population = tmp.resolve("population");
    PopulationGenerator.Result result = new PopulationGenerator(SEED).write(PATIENTS, population, COUNTY);
    assertThat(result.patients()).isEqualTo(PATIENTS);
    entries = new ArrayList<>();
    for (Path file : populationFiles(population)) {
      JSON.readTree(file.toFile()).path("entry").forEach(entries::add);
    }
    assertThat(entries).hasSize(result.resources());
  }

  @Test
  void theCountyComesFirstThenBundlesOfFivePatients() throws IOException {
    assertThat(files(population)).containsExactly(
        "00-county.json", "population-0001.json", "population-0002.json", "population-0003.json");
    assertThat(Files.mismatch(COUNTY, population.resolve("00-county.json"))).isEqualTo(-1);
    assertThat(patients()).hasSize(PATIENTS);
    for (Path file : populationFiles(population)) {
      JsonNode bundle = JSON.readTree(file.toFile());
      assertThat(bundle.path("type").asText()).isEqualTo("transaction");
      // HAPI asserts fewer than 800 matched resources per prefetch chunk when a bundle is loaded again.
      assertThat(bundle.path("entry").size()).as(file.toString()).isLessThan(800);
    }
  }

  @Test
  void theSameSeedGivesTheSameBytesAndAnotherSeedOtherPeople() throws IOException {
    Path again = tmp.resolve("again");
    Path other = tmp.resolve("other");
    new PopulationGenerator(SEED).write(PATIENTS, again, COUNTY);
    new PopulationGenerator(SEED + 1).write(PATIENTS, other, COUNTY);

    for (String file : files(population)) {
      assertThat(Files.mismatch(population.resolve(file), again.resolve(file))).as(file).isEqualTo(-1);
    }
    assertThat(Files.mismatch(population.resolve("population-0001.json"), other.resolve("population-0001.json")))
        .isNotEqualTo(-1);
  }

  @Test
  void aPersonDoesNotChangeWithThePopulationSize() throws IOException {
    Path larger = tmp.resolve("larger");
    new PopulationGenerator(SEED).write(25, larger, COUNTY);

    assertThat(Files.mismatch(population.resolve("population-0001.json"), larger.resolve("population-0001.json")))
        .isEqualTo(-1);
  }

  @Test
  void onePatientABundleHoldsTheSameEntriesInTheSameOrder() throws IOException {
    Path single = tmp.resolve("single");
    PopulationGenerator.Result result = new PopulationGenerator(SEED).write(PATIENTS, 1, single, COUNTY);

    assertThat(result.bundles()).isEqualTo(PATIENTS);
    List<JsonNode> singleEntries = new ArrayList<>();
    for (Path file : populationFiles(single)) {
      JsonNode bundle = JSON.readTree(file.toFile());
      assertThat(bundle.path("entry").get(0).path("resource").path("resourceType").asText()).isEqualTo("Patient");
      bundle.path("entry").forEach(singleEntries::add);
    }
    assertThat(singleEntries).isEqualTo(entries);
    assertThatThrownBy(() -> new PopulationGenerator(SEED).write(PATIENTS, 6, single, COUNTY))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSmallerRunLeavesNoStaleBundlesBehind() throws IOException {
    Path dir = tmp.resolve("shrinking");
    new PopulationGenerator(SEED).write(25, dir, COUNTY);
    new PopulationGenerator(SEED).write(5, dir, COUNTY);

    assertThat(files(dir)).containsExactly("00-county.json", "population-0001.json");
  }

  @Test
  void everyPersonnummerIsAValidUniqueTestNumberOfSomeoneBorn1925To1950() {
    Set<String> seen = new HashSet<>();
    for (JsonNode patient : patients()) {
      JsonNode identifier = patient.path("identifier").get(0);
      String pnr = identifier.path("value").asText();
      assertThat(identifier.path("system").asText()).isEqualTo(Vocabulary.PERSONNUMMER);
      assertThat(SwedishPersonIdentifiers.problem(pnr, false)).as(pnr).isEmpty();
      assertThat(seen.add(pnr)).as("unique " + pnr).isTrue();
      assertThat(JOURNEY_PEOPLE).doesNotContain(pnr);
      int birthNumber = Integer.parseInt(pnr.substring(8, 11));
      assertThat(birthNumber).as("Skatteverket's test series").isBetween(980, 999);
      LocalDate born = SwedishPersonIdentifiers.birthDate(pnr, false).orElseThrow();
      assertThat(born.getYear()).isBetween(1925, 1950);
      assertThat(patient.path("birthDate").asText()).isEqualTo(born.toString());
      assertThat(patient.path("gender").asText()).isEqualTo(birthNumber % 2 == 1 ? "male" : "female");
    }
  }

  @Test
  void everyPatientHasThreeToTenConditionsAndThreeMonthsOfSelfMonitoring() {
    Map<String, Integer> conditions = new HashMap<>();
    Map<String, Map<String, List<LocalDate>>> measured = new HashMap<>();
    for (JsonNode entry : entries) {
      JsonNode resource = entry.path("resource");
      String subject = resource.path("subject").path("reference").asText();
      if (resource.path("resourceType").asText().equals("Condition")) {
        conditions.merge(subject, 1, Integer::sum);
      }
      String profile = resource.path("meta").path("profile").path(0).asText();
      if (profile.matches(".*/Samverkan(BodyWeight|BloodPressure|OxygenSaturation|NEWS2|RespiratoryRate|ACVPU)$")) {
        LocalDate day = OffsetDateTime.parse(resource.path("effectiveDateTime").asText()).toLocalDate();
        measured.computeIfAbsent(subject, s -> new TreeMap<>())
            .computeIfAbsent(profile.substring(profile.lastIndexOf('/') + 1), p -> new ArrayList<>()).add(day);
      }
    }
    for (JsonNode patientEntry : patientEntries()) {
      String patient = patientEntry.path("fullUrl").asText();
      assertThat(conditions.get(patient)).as("conditions of " + patient).isBetween(3, 10);
      Map<String, List<LocalDate>> kinds = measured.get(patient);
      assertThat(kinds).containsOnlyKeys("SamverkanBodyWeight", "SamverkanBloodPressure",
          "SamverkanOxygenSaturation", "SamverkanNEWS2", "SamverkanRespiratoryRate", "SamverkanACVPU");
      kinds.forEach((kind, days) -> {
        LocalDate first = days.stream().min(LocalDate::compareTo).orElseThrow();
        LocalDate last = days.stream().max(LocalDate::compareTo).orElseThrow();
        assertThat(last).isBeforeOrEqualTo(LocalDate.of(2026, 11, 2));
        if (!kind.matches("SamverkanNEWS2|SamverkanRespiratoryRate|SamverkanACVPU")) {
          assertThat(ChronoUnit.DAYS.between(first, last)).as(kind + " of " + patient).isGreaterThanOrEqualTo(90);
          assertThat(days.size()).as("two to three times a week").isBetween(90 / 7 * 2, 90 / 7 * 3 + 3);
        } else {
          assertThat(days.size()).as("weekly").isBetween(12, 14);
        }
      });
    }
  }

  @Test
  void everyPatientHasAnMnaSfAtInclusionAndNinetyDaysLaterWithTheBandOfItsScore() {
    Map<String, List<JsonNode>> screenings = new HashMap<>();
    for (JsonNode resource : observations("107114-1")) {
      screenings.computeIfAbsent(resource.path("subject").path("reference").asText(), s -> new ArrayList<>()).add(resource);
    }
    for (JsonNode patientEntry : patientEntries()) {
      String patient = patientEntry.path("fullUrl").asText();
      List<JsonNode> mnaSf = screenings.get(patient);
      assertThat(mnaSf).as("MNA-SF of " + patient).hasSize(2);
      LocalDate first = OffsetDateTime.parse(mnaSf.get(0).path("effectiveDateTime").asText()).toLocalDate();
      LocalDate second = OffsetDateTime.parse(mnaSf.get(1).path("effectiveDateTime").asText()).toLocalDate();
      assertThat(ChronoUnit.DAYS.between(first, second)).isEqualTo(90);
      assertThat(second).isBeforeOrEqualTo(LocalDate.of(2026, 11, 2));
      for (JsonNode screening : mnaSf) {
        assertThat(screening.at("/meta/profile/0").asText()).endsWith("/SamverkanMNASF");
        int score = screening.path("valueInteger").asInt(-1);
        assertThat(score).isBetween(0, 14);
        // 12-14 normal nutritional status, below that at risk (8-11) or malnourished (0-7).
        assertThat(screening.at("/interpretation/0/coding/0/code").asText()).as("score " + score)
            .isEqualTo(score >= 12 ? "N" : "A");
        assertThat(screening.at("/interpretation/0/text").asText())
            .contains(score >= 12 ? "12-14" : score >= 8 ? "8-11" : "0-7");
      }
    }
  }

  /** A frail population is not all well fed: every band occurs, and the frailer score lower. */
  @Test
  void mnaSfScoresSpanTheThreeBandsAndFallWithFrailty() throws IOException {
    Path hundred = tmp.resolve("hundred");
    new PopulationGenerator(SEED).write(100, hundred, COUNTY);
    Map<String, Integer> frailty = new HashMap<>();
    List<int[]> scores = new ArrayList<>(); // {frailty, MNA-SF}
    List<JsonNode> mnaSf = new ArrayList<>();
    for (Path file : populationFiles(hundred)) {
      for (JsonNode entry : JSON.readTree(file.toFile()).path("entry")) {
        JsonNode resource = entry.path("resource");
        String code = resource.at("/code/coding/0/code").asText();
        if (code.equals("763264000")) {
          frailty.put(resource.at("/subject/reference").asText(), resource.path("valueInteger").asInt());
        } else if (code.equals("107114-1")) {
          mnaSf.add(resource);
        }
      }
    }
    for (JsonNode screening : mnaSf) {
      scores.add(new int[] {frailty.get(screening.at("/subject/reference").asText()), screening.path("valueInteger").asInt()});
    }

    assertThat(scores).anyMatch(s -> s[1] >= 12).anyMatch(s -> s[1] >= 8 && s[1] <= 11).anyMatch(s -> s[1] <= 7);
    double fit = scores.stream().filter(s -> s[0] <= 4).mapToInt(s -> s[1]).average().orElseThrow();
    double frail = scores.stream().filter(s -> s[0] >= 6).mapToInt(s -> s[1]).average().orElseThrow();
    assertThat(frail).as("mean MNA-SF at CFS 6-9 vs CFS 1-4").isLessThan(fit - 1);
  }

  @Test
  void everyNews2IsDerivedFromTheRespiratoryRateAndACVPUOfItsRoundAndScoresThem() {
    Map<String, JsonNode> byFullUrl = new HashMap<>();
    entries.forEach(e -> byFullUrl.put(e.path("fullUrl").asText(), e.path("resource")));
    List<JsonNode> news2s = entries.stream().map(e -> e.path("resource"))
        .filter(r -> r.at("/code/coding/0/code").asText().equals("news2-total")).toList();
    assertThat(news2s).isNotEmpty();
    int confused = 0;
    for (JsonNode news2 : news2s) {
      Map<String, JsonNode> sources = new HashMap<>();
      for (JsonNode derivedFrom : news2.path("derivedFrom")) {
        JsonNode source = byFullUrl.get(derivedFrom.path("reference").asText());
        assertThat(source).as("derivedFrom resolves in the bundle").isNotNull();
        assertThat(source.path("subject")).isEqualTo(news2.path("subject"));
        sources.put(source.at("/code/coding/0/code").asText(), source);
      }
      assertThat(sources).containsOnlyKeys("9279-1", "67775-7");

      JsonNode rate = sources.get("9279-1");
      assertThat(rate.at("/meta/profile/0").asText()).endsWith("/SamverkanRespiratoryRate");
      assertThat(rate.at("/valueQuantity/code").asText()).isEqualTo("/min");
      int perMinute = rate.at("/valueQuantity/value").asInt();
      // NEWS2 chart (Royal College of Physicians 2017): <=8 scores 3, 9-11 1, 12-20 0, 21-24 2, >=25 3.
      int expected = perMinute <= 8 ? 3 : perMinute <= 11 ? 1 : perMinute <= 20 ? 0 : perMinute <= 24 ? 2 : 3;
      assertThat(subScore(news2, "news2-respiration-rate")).as(perMinute + "/min").isEqualTo(expected);

      JsonNode acvpu = sources.get("67775-7");
      assertThat(acvpu.at("/meta/profile/0").asText()).endsWith("/SamverkanACVPU");
      String answer = acvpu.at("/valueCodeableConcept/coding/0/code").asText();
      assertThat(answer).isIn("LA9340-6", "LA6560-2");
      // Alert scores 0; new confusion (C), like V, P and U, scores 3.
      assertThat(subScore(news2, "news2-consciousness")).as(answer).isEqualTo(answer.equals("LA9340-6") ? 0 : 3);
      confused += answer.equals("LA9340-6") ? 0 : 1;
    }
    assertThat(confused).as("new confusion is rare, in a bad spell only").isLessThan(news2s.size() / 10);
  }

  @Test
  void everyEntryIsAConditionalUpdateOnTheIdentifierItCarries() {
    for (JsonNode entry : entries) {
      JsonNode resource = entry.path("resource");
      assertThat(entry.path("request").path("method").asText()).isEqualTo("PUT");
      Matcher url = CONDITIONAL.matcher(entry.path("request").path("url").asText());
      assertThat(url.matches()).as(entry.path("request").toString()).isTrue();
      assertThat(url.group(1)).isEqualTo(resource.path("resourceType").asText());
      assertThat(resource.path("identifier")).as(url.group(0)).anySatisfy(identifier -> {
        assertThat(identifier.path("system").asText()).isEqualTo(url.group(2));
        assertThat(identifier.path("value").asText()).isEqualTo(url.group(3));
      });
      if (!url.group(1).equals("Patient")) {
        assertThat(url.group(2)).isEqualTo("https://samverkan.se/fhir/example-id");
        assertThat(url.group(3)).matches("pop-" + SEED + "-\\d+-[a-z0-9-]+");
      }
    }
    assertThat(entries.stream().map(e -> e.path("request").path("url").asText()).distinct()).hasSameSizeAs(entries);
  }

  @Test
  void everyReferenceResolvesInItsBundleOrInTheCounty() throws IOException {
    Set<String> county = new HashSet<>();
    for (JsonNode entry : JSON.readTree(COUNTY.toFile()).path("entry")) {
      county.add(entry.path("request").path("url").asText());
    }
    for (Path file : populationFiles(population)) {
      JsonNode bundle = JSON.readTree(file.toFile());
      Set<String> fullUrls = new HashSet<>();
      bundle.path("entry").forEach(e -> assertThat(fullUrls.add(e.path("fullUrl").asText())).isTrue());
      for (String reference : bundle.findValuesAsText("reference")) {
        if (reference.startsWith("urn:uuid:")) {
          assertThat(fullUrls).as(file.getFileName().toString()).contains(reference);
        } else {
          assertThat(county).as("conditional reference to the county").contains(reference);
        }
      }
    }
  }

  private static List<JsonNode> observations(String code) {
    return entries.stream().map(e -> e.path("resource"))
        .filter(r -> r.at("/code/coding/0/code").asText().equals(code)).toList();
  }

  private static int subScore(JsonNode news2, String code) {
    for (JsonNode component : news2.path("component")) {
      if (component.at("/code/coding/0/code").asText().equals(code)) {
        return component.path("valueInteger").asInt();
      }
    }
    throw new AssertionError("no component " + code);
  }

  private static List<JsonNode> patientEntries() {
    return entries.stream().filter(e -> e.path("resource").path("resourceType").asText().equals("Patient")).toList();
  }

  private static List<JsonNode> patients() {
    return patientEntries().stream().map(e -> e.path("resource")).toList();
  }

  private static List<String> files(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static List<Path> populationFiles(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith("population-")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
