package se.samverkan.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import se.samverkan.access.ResourceKinds;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.ProfileExamples;
import se.samverkan.support.TestPeople;

/** Every R4 resource type can be stored, read back and found; the care-coordination types too. */
class ResourceTypesTest extends FhirServerTest {

  /** The smallest body HAPI accepts for types with rules beyond the base structure. */
  private static final Map<String, String> MINIMAL_BODIES =
      Map.of(
          "Bundle", "\"type\":\"collection\"",
          "ValueSet", "\"url\":\"urn:samverkan:test:valueset\",\"status\":\"draft\"",
          "ConceptMap", "\"url\":\"urn:samverkan:test:conceptmap\",\"status\":\"draft\"",
          "Subscription",
              "\"status\":\"requested\",\"reason\":\"test\",\"criteria\":\"Task?status=requested\","
                  + "\"channel\":{\"type\":\"rest-hook\",\"endpoint\":\"http://127.0.0.1:10009/hook\","
                  + "\"payload\":\"application/fhir+json\"}",
          "SearchParameter",
              "\"url\":\"http://samverkan.se/fhir/SearchParameter/test\",\"name\":\"test\","
                  + "\"status\":\"draft\",\"description\":\"test\",\"code\":\"samverkan-test\","
                  + "\"base\":[\"Patient\"],\"type\":\"token\",\"expression\":\"Patient.language\"",
          "Binary", "\"contentType\":\"text/plain\",\"data\":\"aGVq\"");

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final ResourceKinds KINDS = new ResourceKinds(FhirContext.forR4Cached(), null);

  /**
   * Every R4 type declared patient data, shared reference data or a server record
   * (docs/security.md), but AuditEvent, which only the server writes (AuthenticationTest).
   */
  static List<String> storableTypes(FhirContext context) {
    return context.getResourceTypes().stream()
        .filter(t -> !t.equals("AuditEvent") && KINDS.kindOf(t) != ResourceKinds.Kind.REFUSED).sorted().toList();
  }

  static Stream<String> storableTypes() {
    return storableTypes(FhirContext.forR4Cached()).stream();
  }

  static Stream<String> refusedTypes() {
    return KINDS.typesOf(ResourceKinds.Kind.REFUSED).stream();
  }

  @Test
  void everyTypeIsDeclaredOrRefusedAndTheDeclarationsAreTheOnesDocumented() throws Exception {
    assertThat(refusedTypes()).contains("Linkage", "PaymentNotice", "VerificationResult", "TestScript")
        .doesNotContain("Task", "Binary", "Bundle", "Organization", "Patient", "Consent");
    assertThat(KINDS.kindOf("Task")).isEqualTo(ResourceKinds.Kind.PATIENT_DATA);
    assertThat(KINDS.kindOf("Binary")).isEqualTo(ResourceKinds.Kind.PATIENT_DATA);
    assertThat(KINDS.kindOf("Bundle")).isEqualTo(ResourceKinds.Kind.PATIENT_DATA);
    assertThat(KINDS.kindOf("MessageHeader")).isEqualTo(ResourceKinds.Kind.PATIENT_DATA);
    assertThat(KINDS.kindOf("Organization")).isEqualTo(ResourceKinds.Kind.REFERENCE_DATA);
    String docs = java.nio.file.Files.readString(java.nio.file.Path.of("docs/security.md"));
    for (String type : KINDS.typesOf(ResourceKinds.Kind.REFUSED)) {
      assertThat(docs).as("docs/security.md names the refused type " + type).contains(type);
    }
  }

  /** A type that is neither patient data nor shared reference data is refused on every path, as an unknown one. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedTypes")
  void aTypeThatIsNeitherPatientDataNorReferenceDataIsRefused(String type) {
    String body = "{\"resourceType\":\"" + type + "\"}";
    for (HttpResponse<String> answer : List.of(
        send("POST", "/" + type, body),
        get("/" + type),
        get("/" + type + "/1"),
        send("PUT", "/" + type + "/x1", "{\"resourceType\":\"" + type + "\",\"id\":\"x1\"}"))) {
      assertThat(answer.statusCode()).as(type + ": " + answer.body()).isEqualTo(404);
      assertThat(answer.body()).contains("OperationOutcome");
    }
    HttpResponse<String> transaction = send("POST", "", "{\"resourceType\":\"Bundle\",\"type\":\"transaction\","
        + "\"entry\":[{\"resource\":" + body + ",\"request\":{\"method\":\"POST\",\"url\":\"" + type + "\"}}]}");
    // (HAPI refuses a Parameters entry itself, with 400, before any rule of ours is asked.)
    assertThat(transaction.statusCode()).as(type + " in a transaction: " + transaction.body()).isIn(400, 404);
    assertThat(get("/" + type).statusCode()).as("and nothing of it was stored").isEqualTo(404);
  }

  /** Types with a Samverkan profile: stored from their profile's example, since strict enforcement is on. */
  private static final Map<String, String> PROFILED_EXAMPLES =
      Map.of(
          "Patient", "patient/examples/Patient-example-greta.json",
          "Organization", "organization/examples/Organization-example-vardcentral-ronneby.json",
          "Practitioner", "practitioner/examples/Practitioner-example-anna.json",
          "PractitionerRole", "practitioner/examples/PractitionerRole-example-anna-vardcentral.json",
          "CareTeam", "careteam/examples/CareTeam-example-greta-team.json",
          "CarePlan", "careplan/examples/CarePlan-example-careplan.json",
          "Condition", "condition/examples/Condition-example-greta-heart-failure.json");

  @ParameterizedTest(name = "{0}")
  @MethodSource("storableTypes")
  void everyResourceTypeCanBeStoredAndReadBack(String type) throws Exception {
    String tag = TestPeople.uniqueId();
    ObjectNode resource;
    if (PROFILED_EXAMPLES.containsKey(type)) {
      resource = (ObjectNode) JSON.readTree(ProfileExamples.read(PROFILED_EXAMPLES.get(type)));
      resource.remove("id");
    } else {
      String extra = MINIMAL_BODIES.get(type);
      resource = (ObjectNode) JSON.readTree("{\"resourceType\":\"" + type + "\"" + (extra == null ? "" : "," + extra) + "}");
    }
    resource.withObject("/meta").withArray("tag").addObject().put("system", TestPeople.TEST_ID).put("code", tag);
    String body = JSON.writeValueAsString(resource);

    HttpResponse<String> created = send("POST", "/" + type, body);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String location = created.headers().firstValue("Location").orElseThrow();
    assertThat(location).contains("/" + type + "/").contains("/_history/1");

    HttpResponse<String> read =
        get(location.substring(location.indexOf("/" + type + "/")), "Accept", "application/fhir+json");
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.body()).contains(tag);

    Bundle found =
        parse(Bundle.class, get("/" + type + "?_tag=" + TestPeople.TEST_ID + "%7C" + tag));
    assertThat(found.getEntry()).hasSize(1);
  }
}
