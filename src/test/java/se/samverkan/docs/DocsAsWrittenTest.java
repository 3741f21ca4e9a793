package se.samverkan.docs;

import se.samverkan.vocabulary.Vocabulary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import se.samverkan.coordination.CoordinationRules;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.Journeys;
import se.samverkan.support.TestPeople;

/**
 * What README.md, docs/integration-guide.md and examples/README.md tell a person to type, run as
 * typed against a real server (only the port differs), and what they say the server answers,
 * checked against what it does answer. IntegrationGuideTest does the same for the guide's Java.
 */
class DocsAsWrittenTest extends FhirServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theReadmesTryItRunTwiceAnswersAsItSaysAndMakesOnePatient() {
    String tryIt = String.join("\n", Markdown.read("README.md").section("Try it").shellBlocks());

    Shell.Result first = Shell.run(tryIt, port);
    Shell.Result second = Shell.run(tryIt, port);

    for (Shell.Result run : List.of(first, second)) {
      assertThat(run.exit()).as(run.stderr()).isZero();
      assertThat(run.failures()).as(run.stderr()).isEmpty();
    }
    assertThat(patientWrite(first).status()).as("the first run creates the patient").isEqualTo(201);
    assertThat(patientWrite(second).status()).as("the second run finds it and changes nothing").isEqualTo(200);
    JsonNode found = second.outputs().get(second.outputs().size() - 1);
    assertThat(found.path("type").asText()).isEqualTo("searchset");
    assertThat(found.path("entry")).as("one patient with the personnummer").hasSize(1);
  }

  private static Shell.Request patientWrite(Shell.Result run) {
    List<Shell.Request> writes = run.requests().stream()
        .filter(r -> !r.method().equals("GET") && r.url().contains("/fhir/Patient")).toList();
    assertThat(writes).as(run.stderr()).hasSize(1);
    return writes.get(0);
  }

  /** Every sh block of the guide, in order: token, the care plan transaction, the searches. */
  @Test
  void theIntegrationGuidesCommandsWorkAsWrittenAndSendingTwiceOnlyUpdates() {
    loadJourneys(); // the county's units the plan names, and Bertil whom the searches look for
    String guide = String.join("\n", Markdown.read("docs/integration-guide.md").shellBlocks());

    Shell.Result first = Shell.run(guide, port);
    Shell.Result second = Shell.run(guide, port);

    for (Shell.Result run : List.of(first, second)) {
      assertThat(run.exit()).as(run.stderr()).isZero();
      assertThat(run.failures()).as(run.stderr()).isEmpty();
      assertThat(run.outputs()).as(run.stdout()).allSatisfy(answer ->
          assertThat(answer.path("resourceType").asText()).isEqualTo("Bundle"));
    }
    assertThat(entryStatuses(transactionResponse(first))).allMatch(s -> s.startsWith("201") || s.startsWith("200"));
    assertThat(entryStatuses(transactionResponse(second))).as("sent again: every entry updates")
        .isNotEmpty().allMatch(s -> s.startsWith("200"));
    assertThat(second.outputs()).filteredOn(answer -> answer.path("type").asText().equals("searchset"))
        .as("the first search finds Bertil's active plans").first()
        .satisfies(found -> assertThat(found.path("entry")).isNotEmpty());
  }

  private static JsonNode transactionResponse(Shell.Result run) {
    return run.outputs().stream().filter(o -> o.path("type").asText().equals("transaction-response"))
        .findFirst().orElseThrow(() -> new AssertionError("no transaction-response in " + run.stdout()));
  }

  private static List<String> entryStatuses(JsonNode bundle) {
    return Stream.of(bundle.path("entry")).flatMap(entries -> java.util.stream.StreamSupport.stream(entries.spliterator(), false))
        .map(entry -> entry.path("response").path("status").asText()).toList();
  }

  @Test
  void theWorklistQueriesOfTheExamplesReadmeWorkAsWritten() {
    loadJourneys();
    String queries = String.join("\n", Markdown.read("examples/README.md").section("The worklist queries").shellBlocks());

    Shell.Result run = Shell.run(queries, port);

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.failures()).as(run.stderr()).isEmpty();
    assertThat(run.requests()).as("every id the commands look up is found")
        .noneMatch(r -> r.url().contains("null"));
    assertThat(run.outputs()).allSatisfy(answer -> assertThat(answer.path("resourceType").asText()).isEqualTo("Bundle"));
  }

  /**
   * "Contents after loading" counts what the files hold (each entry one resource, however often it
   * is loaded) and the Tasks the coordination rules add for the journeys' patients.
   */
  @Test
  void theExamplesReadmeCountsWhatLoadingTheFilesLeavesOnTheServer() throws IOException {
    loadJourneys();
    loadJourneys();
    Map<String, Integer> documented = new TreeMap<>();
    Matcher count = Pattern.compile("\\b([A-Z][A-Za-z]+) (\\d+)\\b")
        .matcher(Markdown.read("examples/README.md").section("Contents after loading").text());
    while (count.find()) {
      documented.put(count.group(1), Integer.parseInt(count.group(2)));
    }

    Map<String, Set<String>> inTheFiles = new HashMap<>();
    for (Path bundle : Journeys.bundles()) {
      for (JsonNode entry : JSON.readTree(Files.readString(bundle)).path("entry")) {
        String type = entry.path("resource").path("resourceType").asText();
        inTheFiles.computeIfAbsent(type, t -> new HashSet<>()).add(entry.path("request").path("url").asText());
      }
    }
    Map<String, Integer> expected = new TreeMap<>();
    inTheFiles.forEach((type, urls) -> expected.put(type, urls.size()));
    String journeyPatients = Stream.of(Journeys.ASTRID, Journeys.BERTIL, Journeys.CARL, Journeys.DAGNY)
        .map(p -> "Patient/" + idOf("Patient", p)).collect(Collectors.joining(","));
    String ruleTasks = "/Task?patient=" + journeyPatients + "&identifier=" + Vocabulary.COORDINATION_RULE + "%7C";
    // The rules run within a second or two of a write.
    int documentedTasks = documented.getOrDefault("Task", 0);
    int fromFiles = expected.getOrDefault("Task", 0);
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> fromFiles + countAll(ruleTasks) >= documentedTasks);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // the assertion below says what differs
    }
    expected.merge("Task", countAll(ruleTasks), Integer::sum);

    assertThat(documented).isEqualTo(expected);
  }

  /** The guide's table of statuses says what the server answers, e.g. for an ambiguous conditional update. */
  @Test
  void theGuidesStatusTableNamesTheStatusOfAConditionalUpdateMatchingSeveralResources() {
    String marker = TestPeople.uniqueId();
    for (int i = 0; i < 2; i++) {
      Patient twin = TestPeople.patient();
      twin.addIdentifier().setSystem(TestPeople.TEST_ID).setValue(marker);
      create(twin);
    }
    Patient update = TestPeople.patient();
    update.addIdentifier().setSystem(TestPeople.TEST_ID).setValue(marker);

    HttpResponse<String> ambiguous = send("PUT", "/Patient?identifier=" + TestPeople.TEST_ID + "%7C" + marker, json(update));

    Map<String, String> statuses = Markdown.read("docs/integration-guide.md").section("When the server says no").table();
    assertThat(statuses.get(String.valueOf(ambiguous.statusCode())))
        .as("the guide's row for %s", ambiguous.statusCode()).contains("conditional update matching more than one");
  }

  @Test
  void everyRelativeLinkInTheDocsLeadsToAFileAndTheGuideLinksTheNotificationsPage() throws IOException {
    List<Markdown> docs;
    try (Stream<Path> files = Files.list(Path.of("docs"))) {
      docs = Stream.concat(Stream.of("README.md", "examples/README.md", "profiles/README.md"),
              files.filter(f -> f.toString().endsWith(".md")).map(Path::toString).sorted())
          .map(Markdown::read).toList();
    }
    for (Markdown doc : docs) {
      assertThat(doc.relativeLinks()).as(doc.file().toString()).allSatisfy(target -> assertThat(target).exists());
    }
    Markdown guide = Markdown.read("docs/integration-guide.md");
    assertThat(guide.relativeLinks()).contains(Path.of("docs/notifications.md").toAbsolutePath());
    assertThat(guide.text()).doesNotContain("once they are in place");
  }
}
