package se.samverkan.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.ProfileExamples;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;

/**
 * What a reader may not see has no effect on the answer it gets: for every kind of request that
 * names a resource, asking about one that exists but is hidden from the reader answers exactly
 * as asking about one that never existed (status, headers, body with the id replaced). The
 * region's Vårdcentralen Ronneby writes; Karlskrona kommun, which has no care relation to the
 * region's patient, asks.
 */
class HiddenEqualsAbsentTest extends FhirServerTest {

  private static final String VC_RONNEBY = "SE2321000081-SV2081";
  private static final String KARLSKRONA = "SE2120000829-SV1080";

  /** The region's patient, a Condition about it updated once, and one it deleted. */
  private static String patient;
  private static String condition;
  private static String deleted;
  private static String before;

  @BeforeEach
  void regionData() {
    synchronized (HiddenEqualsAbsentTest.class) {
      if (patient != null) {
        return;
      }
      String region = region();
      before = new org.hl7.fhir.r4.model.InstantType(new java.util.Date(System.currentTimeMillis() - 1000)).getValueAsString();
      patient = createAs(region, TestPeople.patient());
      Condition c = condition(patient);
      condition = createAs(region, c);
      c.setId(condition);
      c.getCode().setText("Hjärtsvikt, uppdaterad");
      assertThat(send("PUT", "/" + condition, json(c), "Authorization", region).statusCode()).isEqualTo(200);
      deleted = createAs(region, condition(patient));
      assertThat(send("DELETE", "/" + deleted, null, "Authorization", region).statusCode()).isIn(200, 204);
    }
  }

  /** Each request, with {id} for a Condition's id and {patient} for a Patient's. */
  private static final List<String> REQUESTS = List.of(
      "GET /Condition/{id}",
      "GET /Condition/{id}/_history/1",
      "GET /Condition/{id}/_history/2",
      "GET /Condition/{id}/_history/3",
      "GET /Condition/{id}/_history",
      "GET /Condition/{id}/$meta",
      "GET /Condition/{id}/$validate?mode=delete",
      "GET /Patient/{patient}",
      "GET /Patient/{patient}/_history",
      "GET /Patient/{patient}/$everything",
      "GET /Patient/{patient}/$validate?mode=delete");

  @TestFactory
  Stream<DynamicTest> asking_about_a_hidden_resource_answers_as_asking_about_one_that_never_existed() {
    List<DynamicTest> tests = new ArrayList<>();
    for (String request : REQUESTS) {
      tests.add(DynamicTest.dynamicTest(request, () -> assertHiddenEqualsAbsent(request, condition, patient)));
    }
    return tests.stream();
  }

  @TestFactory
  Stream<DynamicTest> asking_about_a_deleted_resource_one_could_not_see_answers_as_asking_about_one_that_never_existed() {
    List<DynamicTest> tests = new ArrayList<>();
    for (String request : REQUESTS.stream().filter(r -> r.contains("{id}")).toList()) {
      tests.add(DynamicTest.dynamicTest(request, () -> assertHiddenEqualsAbsent(request, deleted, patient)));
    }
    return tests.stream();
  }

  @Test
  void a_batch_read_of_a_hidden_resource_answers_as_one_of_a_resource_that_never_existed() {
    String absent = "Condition/" + UUID.randomUUID();
    for (String kind : List.of("BATCH", "TRANSACTION")) {
      Oracle hidden = Oracle.of(batchOfReads(kind, condition, deleted), Map.of(id(condition), "{a}", id(deleted), "{b}"));
      String absent2 = "Condition/" + UUID.randomUUID();
      Oracle none = Oracle.of(batchOfReads(kind, absent, absent2), Map.of(id(absent), "{a}", id(absent2), "{b}"));
      assertThat(hidden).as(kind).isEqualTo(none);
    }
  }

  @Test
  void the_history_of_a_type_shows_no_deletion_the_reader_could_not_have_seen() {
    String history = "/Condition/_history?_count=200&_since=" + before.replace("+", "%2B");
    assertThat(get(history, "Authorization", karlskrona()).body()).doesNotContain(id(deleted)).doesNotContain(id(condition));
    assertThat(get(history, "Authorization", region()).body()).contains(id(deleted)).contains(id(condition));
  }

  @Test
  void the_history_of_the_server_shows_no_deletion_the_reader_could_not_have_seen() {
    String history = "/_history?_count=200&_since=" + before.replace("+", "%2B");
    HttpResponse<String> karlskronas = get(history, "Authorization", karlskrona());
    assertThat(karlskronas.statusCode()).as(karlskronas.body()).isEqualTo(200);
    assertThat(karlskronas.body()).doesNotContain(id(deleted)).doesNotContain(id(condition));
    assertThat(get(history, "Authorization", region()).body()).contains(id(deleted)).contains(id(condition));
  }

  @Test
  void the_owner_is_told_that_its_deleted_resource_is_gone_and_still_reads_the_rest() {
    assertThat(get("/" + deleted, "Authorization", region()).statusCode()).isEqualTo(410);
    assertThat(get("/" + deleted + "/_history/2", "Authorization", region()).statusCode()).isEqualTo(410);
    assertThat(get("/" + deleted + "/_history/1", "Authorization", region()).statusCode()).isEqualTo(200);
    assertThat(get("/" + condition, "Authorization", region()).statusCode()).isEqualTo(200);
    assertThat(get("/" + patient + "/$everything", "Authorization", region()).body()).contains(id(condition));
  }

  @Test
  void the_answer_for_an_unknown_resource_names_no_internals() {
    HttpResponse<String> response = get("/Condition/" + UUID.randomUUID(), "Authorization", karlskrona());
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body()).doesNotContain("HAPI-").contains("OperationOutcome");
  }

  @Test
  void a_hidden_resource_answers_in_swedish_as_one_that_never_existed() {
    String absent = "Condition/" + UUID.randomUUID();
    HttpResponse<String> hidden = get("/" + condition, "Authorization", karlskrona(), "Accept-Language", "sv-SE");
    HttpResponse<String> none = get("/" + absent, "Authorization", karlskrona(), "Accept-Language", "sv-SE");

    assertThat(Oracle.of(hidden, Map.of(id(condition), "{id}")))
        .isEqualTo(Oracle.of(none, Map.of(id(absent), "{id}")));
    assertThat(hidden.body()).contains("Resursen Condition/" + id(condition) + " är inte känd");
    assertThat(hidden.headers().firstValue("Content-Language")).isEqualTo(none.headers().firstValue("Content-Language"));
  }

  /**
   * Karlskrona has no care relation with the region's patient: writing about it is refused with
   * the words HAPI uses for a patient that does not exist (SharingWriteRules), in Swedish alike.
   */
  @Test
  void a_write_about_a_patient_without_care_relation_is_refused_in_swedish_as_one_about_a_patient_that_never_existed() {
    String absent = "Patient/" + UUID.randomUUID();
    HttpResponse<String> hidden = send("POST", "/Condition", json(condition(patient)),
        "Authorization", karlskrona(), "Accept-Language", "sv");
    HttpResponse<String> none = send("POST", "/Condition", json(condition(absent)),
        "Authorization", karlskrona(), "Accept-Language", "sv");

    assertThat(Oracle.of(hidden, Map.of(id(patient), "{patient}")))
        .isEqualTo(Oracle.of(none, Map.of(id(absent), "{patient}")));
    assertThat(hidden.statusCode()).isEqualTo(400);
    assertThat(hidden.body()).contains("HAPI-1094: Resursen " + patient + " finns inte; den anges i Condition.subject");
    assertThat(hidden.headers().firstValue("Content-Language")).hasValue("sv")
        .isEqualTo(none.headers().firstValue("Content-Language"));
  }

  private void assertHiddenEqualsAbsent(String request, String hiddenCondition, String hiddenPatient) {
    String absentCondition = "Condition/" + UUID.randomUUID();
    String absentPatient = "Patient/" + UUID.randomUUID();
    Oracle hidden = Oracle.of(ask(request, hiddenCondition, hiddenPatient),
        Map.of(id(hiddenCondition), "{id}", id(hiddenPatient), "{patient}"));
    Oracle absent = Oracle.of(ask(request, absentCondition, absentPatient),
        Map.of(id(absentCondition), "{id}", id(absentPatient), "{patient}"));
    assertThat(hidden).as(request).isEqualTo(absent);
    assertThat(hidden.status()).as(request).isLessThan(500);
  }

  private HttpResponse<String> ask(String request, String condition, String patient) {
    String[] methodAndPath = request.split(" ", 2);
    String path = methodAndPath[1].replace("{id}", id(condition)).replace("{patient}", id(patient));
    return send(methodAndPath[0], path, null, "Authorization", karlskrona());
  }

  private HttpResponse<String> batchOfReads(String kind, String... reads) {
    Bundle batch = new Bundle().setType(Bundle.BundleType.valueOf(kind));
    for (String read : reads) {
      batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(read);
      batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(read + "/_history/1");
    }
    return send("POST", "", json(batch), "Authorization", karlskrona());
  }

  private String region() {
    return "Bearer " + tokens.token("vc-ronneby", VC_RONNEBY, TestTokens.REGION, "journal-system",
        "system/*.read system/*.write");
  }

  private String karlskrona() {
    return "Bearer " + tokens.token("karlskrona", KARLSKRONA, KARLSKRONA, "journal-system",
        "system/*.read system/*.write");
  }

  private String createAs(String authorization, org.hl7.fhir.r4.model.Resource resource) {
    HttpResponse<String> created = send("POST", "/" + resource.fhirType(), json(resource), "Authorization", authorization);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    IdType id = new IdType(created.headers().firstValue("Location").orElseThrow());
    return id.getResourceType() + "/" + id.getIdPart();
  }

  private Condition condition(String patient) {
    Condition condition = (Condition) fhirContext.newJsonParser()
        .parseResource(ProfileExamples.read("condition/examples/Condition-example-greta-heart-failure.json"));
    condition.setId((String) null);
    condition.setSubject(new Reference(patient));
    return condition;
  }

  private static String id(String typeAndId) {
    return typeAndId.substring(typeAndId.indexOf('/') + 1);
  }
}
