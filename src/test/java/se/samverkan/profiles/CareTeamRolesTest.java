package se.samverkan.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.ProfileExamples;

/**
 * The whole care team: the person themself and a närstående are participants beside the staff,
 * every role of ValueSet role is accepted and no other; the person and a närstående may carry out
 * a SIP activity; a diagnosis coded only in KSH97-P and an activity coded in KVÅ are stored.
 */
class CareTeamRolesTest extends FhirServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SNOMED = "http://snomed.info/sct";
  private static final String OUR_ROLES = "https://samverkan.se/fhir/CodeSystem/role";
  private static final String TEAM = "careteam/examples/CareTeam-example-greta-team.json";
  private static final String SIP = "careplan/examples/CarePlan-example-sip.json";

  @Test
  void aTeamWithThePersonThemselfAndANarstaendeIsStoredAndReadBack() throws Exception {
    ObjectNode team = example(TEAM);

    HttpResponse<String> response = send("POST", "/CareTeam", JSON.writeValueAsString(team));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    CareTeam stored = parse(CareTeam.class, get(response.headers().firstValue("Location").orElseThrow()
        .replaceFirst("^.*/fhir", "").replaceFirst("/_history/.*$", "")));
    List<String> members = stored.getParticipant().stream().map(p -> p.getMember().getReference()).toList();
    assertThat(members).contains("Patient/example-greta", "RelatedPerson/example-greta-daughter");
  }

  /** Every code of ValueSet role, as shipped: our functions and the listed SNOMED CT concepts. */
  static Stream<Arguments> everyRole() {
    List<Arguments> roles = new ArrayList<>();
    for (JsonNode include : read("terminology/ValueSet-role.json").at("/compose/include")) {
      String system = include.get("system").asText();
      JsonNode concepts = include.has("concept") ? include.get("concept")
          : read("terminology/CodeSystem-role.json").get("concept");
      concepts.forEach(c -> roles.add(Arguments.of(system, c.get("code").asText())));
    }
    return roles.stream();
  }

  @ParameterizedTest(name = "{0}|{1}")
  @MethodSource("everyRole")
  void everyRoleOfTheValueSetIsAcceptedForACareTeamParticipant(String system, String code) throws Exception {
    HttpResponse<String> response = send("POST", "/CareTeam", teamWithRole(system, code));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
  }

  static Stream<Arguments> rolesOutsideTheValueSet() {
    return Stream.of(
        // A real SNOMED CT occupation (CH Term 3.3.0, HCProfessional.hcProfession: 46255001
        // "Pharmacist (occupation)") that is not one of our roles: the binding is required.
        Arguments.of(SNOMED, "46255001"),
        Arguments.of(OUR_ROLES, "chef"));
  }

  @ParameterizedTest(name = "{0}|{1}")
  @MethodSource("rolesOutsideTheValueSet")
  void aRoleOutsideTheValueSetIsRefusedNamingTheValueSet(String system, String code) throws Exception {
    HttpResponse<String> response = send("POST", "/CareTeam", teamWithRole(system, code));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    assertThat(errors(response)).anySatisfy(issue -> {
      assertThat(issue.getExpression()).anySatisfy(e -> assertThat(e.getValue()).startsWith("CareTeam.participant[0].role"));
      assertThat(issue.getDiagnostics()).contains(code);
    });
  }

  @Test
  void aPractitionerRoleMayBeADietitianButNotThePatient() throws Exception {
    ObjectNode role = example("practitioner/examples/PractitionerRole-example-anna-vardcentral.json");
    role.remove("identifier"); // the assignment's HSA-id is Anna's own role's
    ObjectNode coding = (ObjectNode) role.at("/code/0/coding/0");

    coding.put("system", SNOMED).put("code", "159033005").put("display", "Dietitian (occupation)");
    HttpResponse<String> dietitian = send("POST", "/PractitionerRole", JSON.writeValueAsString(role));
    coding.put("code", "116154003").put("display", "Patient (person)");
    HttpResponse<String> patient = send("POST", "/PractitionerRole", JSON.writeValueAsString(role));

    assertThat(dietitian.statusCode()).as(dietitian.body()).isEqualTo(201);
    assertThat(patient.statusCode()).as(patient.body()).isEqualTo(422);
    assertThat(errors(patient)).anySatisfy(issue -> {
      assertThat(issue.getExpression()).anySatisfy(e -> assertThat(e.getValue()).startsWith("PractitionerRole.code"));
      assertThat(issue.getDiagnostics()).contains("116154003").contains("https://samverkan.se/fhir/ValueSet/staff-role");
    });
  }

  @Test
  void aSipActivityByANarstaendeOrThePersonIsStoredButNotOneByAPractitionerRole() throws Exception {
    ObjectNode sip = example(SIP);
    ArrayNode activities = (ArrayNode) sip.get("activity");
    activities.removeAll();
    activities.addObject().putObject("detail").put("status", "in-progress")
        .put("description", "Dottern handlar mat.")
        .putArray("performer").addObject().put("reference", "RelatedPerson/example-greta-daughter");
    activities.addObject().putObject("detail").put("status", "in-progress")
        .put("description", "Greta väger sig varje morgon.")
        .putArray("performer").addObject().put("reference", "Patient/example-greta");
    HttpResponse<String> byNarstaendeAndPerson = send("POST", "/CarePlan", JSON.writeValueAsString(sip));

    ((ObjectNode) sip.at("/activity/0/detail/performer/0")).put("reference", "PractitionerRole/example-anna-vardcentral");
    HttpResponse<String> byPractitionerRole = send("POST", "/CarePlan", JSON.writeValueAsString(sip));

    assertThat(byNarstaendeAndPerson.statusCode()).as(byNarstaendeAndPerson.body()).isEqualTo(201);
    assertThat(byPractitionerRole.statusCode()).as(byPractitionerRole.body()).isEqualTo(422);
    assertThat(errors(byPractitionerRole)).anySatisfy(issue ->
        assertThat(issue.getExpression()).anySatisfy(e -> assertThat(e.getValue()).startsWith("CarePlan.activity[0].detail.performer[0]")));
  }

  @Test
  void aDiagnosisCodedOnlyInKsh97PIsStored() throws Exception {
    ObjectNode condition = example("condition/examples/Condition-example-greta-heart-failure.json");
    // KSH97-P's OID: Inera's certificate services (sklintyg, Diagnoskodverk.KSH_97_P). "A00-"
    // (Kolera) is a KSH97-P code as Inera's certificate tests send it (handleDiagnosSvarKSH97P).
    ArrayNode codings = condition.putObject("code").putArray("coding");
    codings.addObject().put("system", "urn:oid:1.2.752.116.1.3.1.4.1").put("code", "A00-").put("display", "Kolera");

    HttpResponse<String> response = send("POST", "/Condition", JSON.writeValueAsString(condition));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
  }

  @Test
  void aSipActivityCodedInKvaIsStored() throws Exception {
    ObjectNode sip = example(SIP);
    // AV020 "klinisk undersökning UNS", a KVÅ code (Inera's certificate modules, sklintyg/intygstyper,
    // rli AktivitetsKod); KVÅ's OID as Inera's EHDS-TK mapping pages give it.
    ((ObjectNode) sip.at("/activity/2/detail")).putObject("code").putArray("coding").addObject()
        .put("system", "urn:oid:1.2.752.116.1.3.2.1.4").put("code", "AV020").put("display", "Klinisk undersökning UNS");

    HttpResponse<String> response = send("POST", "/CarePlan", JSON.writeValueAsString(sip));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    // Accepted because the profile binds activity codes to KVÅ, not because nothing binds them.
    JsonNode profile = JSON.readTree(get("/StructureDefinition?url=https://samverkan.se/fhir/StructureDefinition/SamverkanCarePlan")
        .body()).at("/entry/0/resource/snapshot/element");
    List<String> bindings = new ArrayList<>();
    profile.forEach(e -> {
      if (e.path("id").asText().equals("CarePlan.activity.detail.code")) {
        bindings.add(e.at("/binding/strength").asText() + " " + e.at("/binding/valueSet").asText());
      }
    });
    assertThat(bindings).containsExactly("extensible https://samverkan.se/fhir/ValueSet/careplan-activity-code");
  }

  private static String teamWithRole(String system, String code) throws IOException {
    ObjectNode team = example(TEAM);
    ObjectNode coding = (ObjectNode) team.at("/participant/0/role/0/coding/0");
    coding.put("system", system).put("code", code).remove("display");
    return JSON.writeValueAsString(team);
  }

  private List<OperationOutcome.OperationOutcomeIssueComponent> errors(HttpResponse<String> response) {
    return outcome(response).getIssue().stream()
        .filter(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR).toList();
  }

  private static ObjectNode example(String relative) throws IOException {
    ObjectNode resource = (ObjectNode) JSON.readTree(ProfileExamples.read(relative));
    resource.remove("id");
    return resource;
  }

  private static JsonNode read(String relative) {
    try {
      return JSON.readTree(ProfileExamples.read(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
