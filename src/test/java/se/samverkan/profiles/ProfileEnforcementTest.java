package se.samverkan.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.ProfileExamples;

/** Strict enforcement (the default): valid examples are stored, each broken rule is a 422. */
class ProfileEnforcementTest extends FhirServerTest {

  @Test
  void theExamplesLoadAgainWithoutChange() {
    loadProfileExamples(); // the base class loaded them once already; PUTs of the same content
    assertThat(get("/Patient/example-greta").headers().firstValue("ETag")).hasValue("W/\"1\"");
  }

  @Test
  void everyExampleIsStoredAsItsProfileSays() {
    for (Path file : ProfileExamples.all()) {
      String name = file.getFileName().toString().replace(".json", "");
      String type = ProfileExamples.type(file);
      HttpResponse<String> read = get("/" + type + "/" + name.substring(type.length() + 1));
      assertThat(read.statusCode()).as(file.toString()).isEqualTo(200);
    }
  }

  @Test
  void everyKommunInSwedenIsAcceptedButNoOtherCode() throws Exception {
    ObjectNode patient = (ObjectNode) JSON.readTree(ProfileExamples.read("patient/examples/Patient-example-greta.json"));
    patient.remove("id");
    ObjectNode kommunkod = field(patient, "/address/0/extension/0/valueCoding");

    kommunkod.put("code", "1480").put("display", "Göteborg");
    HttpResponse<String> gothenburg = send("POST", "/Patient", JSON.writeValueAsString(patient));
    kommunkod.put("code", "2584").put("display", "Kiruna");
    HttpResponse<String> kiruna = send("POST", "/Patient", JSON.writeValueAsString(patient));
    kommunkod.put("code", "2999").remove("display");
    HttpResponse<String> noSuchKommun = send("POST", "/Patient", JSON.writeValueAsString(patient));
    kommunkod.put("code", "99");
    HttpResponse<String> malformed = send("POST", "/Patient", JSON.writeValueAsString(patient));

    assertThat(gothenburg.statusCode()).as(gothenburg.body()).isEqualTo(201);
    assertThat(kiruna.statusCode()).as(kiruna.body()).isEqualTo(201);
    assertThat(noSuchKommun.statusCode()).as(noSuchKommun.body()).isEqualTo(422);
    assertThat(noSuchKommun.body()).contains("2999").contains("https://samverkan.se/fhir/ValueSet/kommunkod");
    assertThat(malformed.statusCode()).isEqualTo(422);
    assertThat(malformed.body()).contains("samverkan-kommunkod-1");
  }

  @Test
  void news2ScoresHypothermiaThreeButNoParameterHigher() throws Exception {
    ObjectNode news2 = (ObjectNode) JSON.readTree(ProfileExamples.read("observation/examples/Observation-example-news2.json"));
    news2.remove("id");
    ObjectNode temperature = null;
    for (var component : news2.withArray("component")) {
      if ("news2-temperature".equals(component.at("/code/coding/0/code").asText())) {
        temperature = (ObjectNode) component;
      }
    }
    assertThat(temperature).as("the example scores temperature").isNotNull();

    temperature.put("valueInteger", 3); // 35.0 °C or below
    news2.put("valueInteger", 6);
    HttpResponse<String> hypothermic = send("POST", "/Observation", JSON.writeValueAsString(news2));
    temperature.put("valueInteger", 4);
    HttpResponse<String> impossible = send("POST", "/Observation", JSON.writeValueAsString(news2));

    assertThat(hypothermic.statusCode()).as(hypothermic.body()).isEqualTo(201);
    assertThat(impossible.statusCode()).isEqualTo(422);
    assertThat(impossible.body()).contains("maximum value");
  }

  @Test
  void onlyTasksWithACoordinationCodeAreProfiled() throws Exception {
    JsonNode journeyB = JSON.readTree(Files.readString(Path.of("examples/20-journey-b-lusen-discharge.json")));
    Map<String, Optional<String>> profiles = new LinkedHashMap<>();
    for (JsonNode entry : journeyB.get("entry")) {
      if (entry.at("/resource/resourceType").asText().equals("Task")) {
        Task task = fhirContext.newJsonParser().parseResource(Task.class, entry.get("resource").toString());
        profiles.put(task.getIdentifierFirstRep().getValue(), catalog.profileFor(task).map(ProfileCatalog.Profile::url));
      }
    }

    assertThat(profiles).containsExactly(
        Map.entry("journey-b-admission-notice-kommun", Optional.of(OURS + "SamverkanAdmissionNotice")),
        Map.entry("journey-b-admission-notice-vardcentral", Optional.of(OURS + "SamverkanAdmissionNotice")),
        Map.entry("journey-b-utskrivningsklar", Optional.of(OURS + "SamverkanDischargeReady")),
        Map.entry("journey-b-amp-action", Optional.empty()));
    assertThat(catalog.urls()).as("the abstract base applies to nothing")
        .doesNotContain(OURS + "SamverkanCoordinationTask");
    for (Path file : ProfileExamples.all()) {
      if (ProfileExamples.type(file).equals("Task")) {
        Task task = fhirContext.newJsonParser().parseResource(Task.class, Files.readString(file));
        assertThat(catalog.profileFor(task).map(ProfileCatalog.Profile::url)).as(file.toString())
            .hasValue(task.getMeta().getProfile().get(0).getValue());
      }
    }
  }

  @Test
  void aTaskThatIsNoCoordinationTaskIsStoredAsCoreSays() {
    // Like journey-b-amp-action: no owner, no focus, a code of its own; no Samverkan profile applies.
    String task = """
        {"resourceType": "Task", "status": "completed", "intent": "order",
         "code": {"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "fulfill"}],
                  "text": "Åtgärd enligt AMP vid försämring"},
         "for": {"reference": "Patient/example-greta"}}""";

    HttpResponse<String> response = send("POST", "/Task", task);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
  }

  static Stream<Arguments> brokenRules() {
    return Stream.of(
        broken("personnummer with a wrong check digit", "patient/examples/Patient-example-greta.json",
            j -> field(j, "/identifier/0").put("value", "194005219822"), "Patient.identifier[0].value", "check digit is wrong"),
        broken("samordningsnummer with an impossible date", "patient/examples/Patient-example-sven-protected.json",
            j -> field(j, "/identifier/0").put("value", "193611039883"), "Patient.identifier[0].value", "day of birth plus 60"),
        broken("patient without a Swedish person identifier", "patient/examples/Patient-example-greta.json",
            j -> field(j, "/identifier/0").put("system", "urn:example:local"), "Patient", "samverkan-pat-1"),
        broken("unknown code in our role code system", "practitioner/examples/PractitionerRole-example-anna-vardcentral.json",
            j -> field(j, "/code/0/coding/0").put("code", "chef"), "PractitionerRole.code", "chef"),
        broken("kommun without its kommunkod", "organization/examples/Organization-example-kommun-karlskrona.json",
            j -> j.remove("extension"), "Organization", "samverkan-org-2"),
        broken("practitioner without HSA-id", "practitioner/examples/Practitioner-example-anna.json",
            j -> field(j, "/identifier/0").put("system", "urn:example:local"), "Practitioner", "hsaid"),
        broken("CareTeam without subject", "careteam/examples/CareTeam-example-greta-team.json",
            j -> j.remove("subject"), "CareTeam", "CareTeam.subject"),
        broken("SIP activity without a responsible organization", "careplan/examples/CarePlan-example-sip.json",
            j -> field(j, "/activity/0/detail").remove("performer"), "CarePlan.activity[0].detail", "performer"),
        broken("CFS of 10", "observation/examples/Observation-example-cfs.json",
            j -> j.put("valueInteger", 10), "Observation.value", "maximum value"),
        broken("condition without recordedDate", "condition/examples/Condition-example-greta-heart-failure.json",
            j -> j.remove("recordedDate"), "Condition", "recordedDate"),
        broken("condition coded in neither ICD-10-SE nor SNOMED CT", "condition/examples/Condition-example-greta-heart-failure.json",
            j -> field(j, "/code/coding/0").put("system", "urn:example:local"), "Condition.code", "samverkan-cond-1"),
        broken("organization without HSA-id or organisationsnummer", "organization/examples/Organization-example-vardcentral-ronneby.json",
            j -> field(j, "/identifier/0").put("system", "urn:example:local"), "Organization", "samverkan-org-1"),
        broken("HSA-id in the wrong format", "organization/examples/Organization-example-vardcentral-ronneby.json",
            j -> field(j, "/identifier/0").put("value", "VC-RONNEBY"), "Organization.identifier", "HSA-id"),
        broken("PractitionerRole without its unit", "practitioner/examples/PractitionerRole-example-anna-vardcentral.json",
            j -> j.remove("organization"), "PractitionerRole", "PractitionerRole.organization"),
        broken("care plan without title", "careplan/examples/CarePlan-example-careplan.json",
            j -> j.remove("title"), "CarePlan", "CarePlan.title"),
        broken("AMP without the patient's wishes", "careplan/examples/CarePlan-example-amp.json",
            j -> j.remove("goal"), "CarePlan", "CarePlan.goal"),
        broken("SIP without the person's consent", "careplan/examples/CarePlan-example-sip.json",
            j -> j.remove("supportingInfo"), "CarePlan", "CarePlan.supportingInfo"),
        broken("discharge plan without its inpatient stay", "careplan/examples/CarePlan-example-discharge-plan.json",
            j -> j.remove("encounter"), "CarePlan", "CarePlan.encounter"),
        broken("CareTeam participant without role", "careteam/examples/CareTeam-example-greta-team.json",
            j -> field(j, "/participant/0").remove("role"), "CareTeam.participant[0]", "role"),
        broken("NEWS2 total of 21", "observation/examples/Observation-example-news2.json",
            j -> j.put("valueInteger", 21), "Observation.value", "maximum value"),
        broken("MNA-SF total of 15", "observation/examples/Observation-example-mna-sf.json",
            j -> j.put("valueInteger", 15), "Observation.value", "maximum value"),
        broken("geriatric risk of 3 or more without interpretation", "observation/examples/Observation-example-geriatric-risk-profile.json",
            j -> j.remove("interpretation"), "Observation", "samverkan-grp-1"),
        broken("ED screening without its verdict", "observation/examples/Observation-example-ed-screening.json",
            j -> j.remove("valueBoolean"), "Observation", "Observation.value"),
        broken("self-measured weight without performer", "observation/examples/Observation-example-body-weight.json",
            j -> j.remove("performer"), "Observation", "Observation.performer"),
        broken("inskrivningsmeddelande without its receiving unit, profile not named", "task/examples/Task-example-greta-admission-notice.json",
            j -> { j.remove("meta"); j.remove("owner"); }, "Task", "Task.owner"),
        broken("inskrivningsmeddelande without a due date", "task/examples/Task-example-greta-admission-notice.json",
            j -> j.remove("restriction"), "Task", "Task.restriction"),
        broken("ED follow-up whose focus is a care plan", "task/examples/Task-example-greta-ed-follow-up.json",
            j -> field(j, "/focus").put("reference", "CarePlan/example-amp"), "Task.focus", "CarePlan"),
        broken("SIP call naming its profile, with a code outside coordination-task", "task/examples/Task-example-greta-sip-call.json",
            j -> field(j, "/code/coding/0").put("code", "kallelse"), "Task.code", "kallelse"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenRules")
  void aBrokenRuleIsRefusedWith422NamingThePath(
      String rule, String example, Consumer<ObjectNode> breakIt, String path, String words) throws Exception {
    ObjectNode resource = (ObjectNode) JSON.readTree(ProfileExamples.read(example));
    resource.remove("id");
    breakIt.accept(resource);
    String type = resource.get("resourceType").asText();

    HttpResponse<String> response = send("POST", "/" + type, JSON.writeValueAsString(resource));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    OperationOutcome outcome = outcome(response);
    assertThat(outcome.getIssue())
        .as(response.body())
        .filteredOn(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
        .anySatisfy(issue -> {
          assertThat(issue.getExpression()).anySatisfy(e -> assertThat(e.getValue()).startsWith(path));
          assertThat(issue.getDiagnostics()).containsIgnoringCase(words);
        });
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OURS = "https://samverkan.se/fhir/StructureDefinition/";

  @Autowired ProfileCatalog catalog;

  private static Arguments broken(
      String rule, String example, Consumer<ObjectNode> breakIt, String path, String words) {
    return Arguments.of(rule, example, breakIt, path, words);
  }

  private static ObjectNode field(ObjectNode resource, String pointer) {
    return (ObjectNode) resource.at(pointer);
  }
}
