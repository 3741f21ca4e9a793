package se.samverkan.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import se.samverkan.auth.Caller;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.Journeys;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;

/**
 * Never a dangling reference: a resource that other data still refers to is not deleted (409, as
 * HAPI answers, naming who refers to it), however the delete is asked for — by id, by a condition,
 * in a transaction, with {@code _cascade}. The audit log alone does not hold a delete up: it
 * keeps naming the deleted patient, and what meets such a name answers without a 500.
 */
class ReferentialIntegrityTest extends FhirServerTest {

  /**
   * More AuditEvents than HAPI looks at when it decides a delete: the first reference it finds,
   * then up to 60 more when a hook asks (DeleteConflictService, JpaStorageSettings
   * #getMaximumDeleteConflictQueryCount, HAPI 8.8). They name the patient before its record does.
   */
  private static final int AUDIT_EVENTS = 65;

  @Autowired private DataSource dataSource;

  @Test
  void aPatientItsRecordStillRefersToIsNotDeletedHoweverOftenTheAuditLogNamesIt() {
    IdType patient = create(TestPeople.patient());
    readTimes(patient, AUDIT_EVENTS);
    IdType observation = create(observation(patient));
    IdType carePlan = create(TestData.carePlan(patient));

    HttpResponse<String> delete = send("DELETE", "/" + patient.getValue(), null);
    HttpResponse<String> askFirst = get("/" + patient.getValue() + "/$validate?mode=delete");

    assertThat(delete.statusCode()).as(delete.body()).isEqualTo(409);
    assertThat(diagnostics(delete)).contains(observation.getValue(), carePlan.getValue())
        .doesNotContain("AuditEvent/");
    assertThat(askFirst.statusCode()).as("$validate says so beforehand: " + askFirst.body()).isEqualTo(409);
    assertThat(diagnostics(askFirst)).contains(observation.getValue());
    assertThat(get("/" + patient.getValue()).statusCode()).as("the patient is still there").isEqualTo(200);
  }

  /**
   * A refused delete names who refers to the resource — but not what the caller may not see: a
   * kommun's note about the region's patient stays as hidden from the region as a read keeps it.
   */
  @Test
  void aRefusedDeleteNamesNoReferrerTheCallerMayNotSee() {
    String region = "Bearer " + tokens.token("vc-ronneby", "SE2321000081-SV2081", TestTokens.REGION,
        "journal-system", "system/*.read system/*.write");
    String kommun = "Bearer " + tokens.token("kommun-ronneby", "SE2120000837-SV1081", "SE2120000837-SV1081",
        "journal-system", "system/*.read system/*.write");
    loadJourneys();
    IdType kommunOrg = new IdType("Organization", idOf("Organization", Journeys.KOMMUN_RONNEBY));
    IdType patient = create(TestPeople.patient(), "Authorization", region);
    IdType team = create(TestData.careTeam(patient, kommunOrg), "Authorization", region);
    IdType kommunsNote = create(observation(patient), "Authorization", kommun);
    assertThat(get("/" + kommunsNote.getValue(), "Authorization", region).statusCode()).as("hidden from the region")
        .isEqualTo(404);

    HttpResponse<String> delete = send("DELETE", "/" + patient.getValue(), null, "Authorization", region);

    assertThat(delete.statusCode()).as(delete.body()).isEqualTo(409);
    assertThat(diagnostics(delete)).contains(team.getValue()).doesNotContain(kommunsNote.getIdPart())
        .contains("resources you may not see");
    assertThat(get("/" + patient.getValue(), "Authorization", region).statusCode()).isEqualTo(200);
  }

  @Test
  void aPatientOnlyTheAuditLogNamesIsDeletedAndTheLogStillFindsIt() {
    IdType patient = create(TestPeople.patient());
    readTimes(patient, 3);

    HttpResponse<String> delete = send("DELETE", "/" + patient.getValue(), null);

    assertThat(delete.statusCode()).as(delete.body()).isIn(200, 204);
    assertThat(get("/" + patient.getValue()).statusCode()).isEqualTo(410);
    assertThat(auditEventsNaming(patient)).as("create, three reads and the delete").isGreaterThanOrEqualTo(5);
  }

  @Test
  void aTransactionLeavesNoDanglingReferenceEither() {
    IdType patient = create(TestPeople.patient());
    readTimes(patient, 3);
    IdType observation = create(observation(patient));
    IdType carePlan = create(TestData.carePlan(patient));

    HttpResponse<String> patientOnly = send("POST", "", json(deleting(patient)));
    // The patient's entry first: HAPI notes one reference per deleted resource and forgives it
    // when that resource is deleted too (BaseTransactionProcessor#checkForDeleteConflicts).
    HttpResponse<String> withoutTheCarePlan = send("POST", "", json(deleting(patient, observation)));

    assertThat(patientOnly.statusCode()).as(patientOnly.body()).isEqualTo(409);
    assertThat(diagnostics(patientOnly)).contains(observation.getValue());
    assertThat(withoutTheCarePlan.statusCode()).as(withoutTheCarePlan.body()).isEqualTo(409);
    assertThat(diagnostics(withoutTheCarePlan)).contains(carePlan.getValue());
    for (IdType id : List.of(patient, observation, carePlan)) {
      assertThat(get("/" + id.getValue()).statusCode()).as(id.getValue() + " is still there").isEqualTo(200);
    }

    HttpResponse<String> all = send("POST", "", json(deleting(patient, observation, carePlan)));

    assertThat(all.statusCode()).as(all.body()).isEqualTo(200);
    for (IdType id : List.of(patient, observation, carePlan)) {
      assertThat(get("/" + id.getValue()).statusCode()).as(id.getValue() + " is deleted").isEqualTo(410);
    }
  }

  /**
   * HAPI names at most {@code JpaStorageSettings#getMaximumDeleteConflictQueryCount} (60) of the
   * resources that refer to one it deletes, and forgives those a transaction deletes too: a care
   * plan beyond them must still stop the transaction.
   */
  @Test
  void aTransactionDeletingMoreReferrersThanHapiNamesStillLeavesNoneDangling() {
    IdType patient = create(TestPeople.patient());
    Bundle observations = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    for (int i = 0; i < 61; i++) {
      observations.addEntry().setResource(observation(patient)).getRequest()
          .setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");
    }
    Bundle created = parse(Bundle.class, send("POST", "", json(observations)));
    List<IdType> ids = new java.util.ArrayList<>();
    ids.add(patient);
    created.getEntry().forEach(e -> ids.add(new IdType(e.getResponse().getLocation()).toUnqualifiedVersionless()));
    IdType carePlan = create(TestData.carePlan(patient));

    HttpResponse<String> response = send("POST", "", json(deleting(ids.toArray(IdType[]::new))));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(409);
    assertThat(diagnostics(response)).contains(carePlan.getValue());
    assertThat(get("/" + patient.getValue()).statusCode()).isEqualTo(200);
    assertThat(get("/" + ids.get(61).getValue()).statusCode()).as("the transaction changed nothing").isEqualTo(200);
  }

  @Test
  void sharedReferenceDataTheRecordRefersToIsNotDeletedEither() {
    IdType unit = create(TestData.organization("Avdelning för referenser"));
    IdType patient = create(TestPeople.patient());
    IdType team = create(TestData.careTeam(patient, unit));

    HttpResponse<String> delete = send("DELETE", "/" + unit.getValue(), null);

    assertThat(delete.statusCode()).as(delete.body()).isEqualTo(409);
    assertThat(diagnostics(delete)).contains(team.getValue());
    assertThat(get("/" + unit.getValue()).statusCode()).isEqualTo(200);
  }

  @Test
  void neitherAConditionalDeleteNorCascadeLeavesADanglingReference() {
    String marker = TestPeople.uniqueId();
    org.hl7.fhir.r4.model.Patient marked = TestPeople.patient();
    marked.addIdentifier().setSystem(TestPeople.TEST_ID).setValue(marker);
    IdType patient = create(marked);
    readTimes(patient, 2);
    IdType observation = create(observation(patient));

    HttpResponse<String> conditional = send("DELETE", "/Patient?identifier=" + TestPeople.TEST_ID + "%7C" + marker, null);
    HttpResponse<String> cascade = send("DELETE", "/" + patient.getValue() + "?_cascade=delete", null);

    assertThat(conditional.statusCode()).as(conditional.body()).isEqualTo(409);
    assertThat(diagnostics(conditional)).contains(observation.getValue());
    assertThat(cascade.statusCode()).as("no cascade here: " + cascade.body()).isEqualTo(409);
    for (IdType id : List.of(patient, observation)) {
      assertThat(get("/" + id.getValue()).statusCode()).as(id.getValue() + " is still there").isEqualTo(200);
    }
  }

  /**
   * The audit log keeps naming a deleted patient: a log reviewer's search that includes the
   * patients its events name answers without the deleted one. (A search of the record that would
   * reach the log, {@code Patient?_has:AuditEvent:…}, is refused: AuditLogApartTest.)
   */
  @Test
  void anIncludeOfAPatientOnlyTheAuditLogStillNamesAnswersWithoutIt() {
    String reader = "reader-" + TestPeople.uniqueId();
    IdType patient = create(TestPeople.patient());
    assertThat(get("/" + patient.getValue(), "Authorization",
        "Bearer " + tokens.token(reader, TestTokens.HOSPITAL, TestTokens.REGION, "journal-system", "system/*.read"))
        .statusCode()).isEqualTo(200);
    assertThat(auditEventsNaming(patient)).isGreaterThanOrEqualTo(2);
    HttpResponse<String> delete = send("DELETE", "/" + patient.getValue(), null);
    assertThat(delete.statusCode()).as(delete.body()).isIn(200, 204);
    String reviewerWhoReadsPatients = "Bearer " + tokens.token("reviewer", TestTokens.REGION, TestTokens.REGION,
        Caller.LOG_REVIEWER, "system/AuditEvent.read system/Patient.read");

    HttpResponse<String> include = get("/AuditEvent?altid=" + reader + "&_include=AuditEvent:patient",
        "Authorization", reviewerWhoReadsPatients);

    assertThat(include.statusCode()).as(include.body()).isEqualTo(200);
    assertThat(parse(Bundle.class, include).getEntry()).extracting(e -> e.getResource().fhirType())
        .containsOnly("AuditEvent").isNotEmpty();
  }

  private void readTimes(IdType patient, int times) {
    for (int i = 0; i < times; i++) {
      assertThat(get("/" + patient.getValue()).statusCode()).isEqualTo(200);
    }
    assertThat(auditEventsNaming(patient)).isGreaterThanOrEqualTo(times + 1);
  }

  /** AuditEvents naming the patient, counted in the log's store (a reviewer's search would add one of its own). */
  private int auditEventsNaming(IdType patient) {
    Integer events = new JdbcTemplate(dataSource).queryForObject(
        "SELECT COUNT(*) FROM SV_AUDIT_EVENT_KEY WHERE NAME = 'PATIENT' AND VAL = ?", Integer.class,
        patient.toUnqualifiedVersionless().getValue());
    return events == null ? 0 : events;
  }


  /** An Observation (of a code no profile claims) about the patient. */
  private static Observation observation(IdType patient) {
    Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL);
    observation.getCode().setText("Anteckning");
    observation.setSubject(new Reference(patient));
    return observation;
  }

  private static Bundle deleting(IdType... ids) {
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    for (IdType id : ids) {
      transaction.addEntry().getRequest().setMethod(Bundle.HTTPVerb.DELETE).setUrl(id.getValue());
    }
    return transaction;
  }

  private String diagnostics(HttpResponse<String> response) {
    return outcome(response).getIssue().stream().map(OperationOutcome.OperationOutcomeIssueComponent::getDiagnostics)
        .reduce("", (a, b) -> a + "\n" + b);
  }
}
