package se.samverkan.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestPeople;

/** Optimistic locking with If-Match: the current version wins, anything else is refused. */
class VersionPreconditionTest extends FhirServerTest {

  private IdType id;
  private Patient patient;

  @BeforeEach
  void patientAtVersionTwo() {
    patient = TestPeople.patient();
    id = ((IdType) client.create().resource(patient).execute().getId()).toUnqualifiedVersionless();
    patient.setId(id);
    patient.setActive(true);
    client.update().resource(patient).execute();
  }

  @Test
  void updateWithTheCurrentVersionSucceeds() {
    patient.setActive(false);
    HttpResponse<String> response =
        send("PUT", "/Patient/" + id.getIdPart(), json(patient), "If-Match", "W/\"2\"");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("ETag")).hasValue("W/\"3\"");
  }

  @Test
  void updateWithAStaleVersionIsPreconditionFailedAndChangesNothing() {
    patient.setActive(false);
    HttpResponse<String> response =
        send("PUT", "/Patient/" + id.getIdPart(), json(patient), "If-Match", "W/\"1\"");

    assertThat(response.statusCode()).isEqualTo(412);
    OperationOutcome outcome = outcome(response);
    assertThat(outcome.getIssueFirstRep().getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains("If-Match");
    assertThat(currentVersion()).isEqualTo("2");
  }

  @Test
  void patchWithAStaleVersionIsPreconditionFailed() {
    HttpResponse<String> response =
        send(
            "PATCH",
            "/Patient/" + id.getIdPart(),
            "[{\"op\":\"replace\",\"path\":\"/active\",\"value\":false}]",
            "Content-Type", "application/json-patch+json",
            "If-Match", "W/\"1\"");

    assertThat(response.statusCode()).isEqualTo(412);
    assertThat(currentVersion()).isEqualTo("2");
  }

  @Test
  void aStrongEntityTagWorksLikeAWeakOne() {
    HttpResponse<String> response =
        send("PUT", "/Patient/" + id.getIdPart(), json(patient), "If-Match", "\"2\"");

    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  void anEntityTagNamingAVersionThatCannotExistIsPreconditionFailed() {
    HttpResponse<String> response =
        send("PUT", "/Patient/" + id.getIdPart(), json(patient), "If-Match", "W/\"abc\"");

    assertThat(response.statusCode()).isEqualTo(412);
    assertThat(outcome(response).getIssueFirstRep().getDiagnostics()).contains("abc");
    assertThat(currentVersion()).isEqualTo("2");
  }

  @Test
  void anIfMatchThatIsNoEntityTagIsABadRequest() {
    HttpResponse<String> response =
        send("PUT", "/Patient/" + id.getIdPart(), json(patient), "If-Match", "2");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(outcome(response).getIssueFirstRep().getDiagnostics()).contains("entity tag");
    assertThat(currentVersion()).isEqualTo("2");
  }

  @Test
  void aTransactionEntryWithAStaleIfMatchFailsTheWholeTransaction() {
    String marker = TestPeople.uniqueId();
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    Patient other = TestPeople.patient();
    other.addIdentifier().setSystem(TestPeople.TEST_ID).setValue(marker);
    transaction.addEntry().setResource(other).getRequest()
        .setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
    transaction.addEntry().setResource(patient).getRequest()
        .setMethod(Bundle.HTTPVerb.PUT).setUrl("Patient/" + id.getIdPart()).setIfMatch("W/\"1\"");

    HttpResponse<String> response = send("POST", "", json(transaction));

    assertThat(response.statusCode()).isEqualTo(412);
    assertThat(currentVersion()).isEqualTo("2");
    Bundle found = parse(Bundle.class, get("/Patient?identifier=" + TestPeople.TEST_ID + "%7C" + marker));
    assertThat(found.getEntry()).isEmpty();
  }

  /**
   * An If-Match names a version of an existing resource: where none exists the precondition fails
   * (RFC 9110 13.1.1; FHIR's managed concurrency), also when the update would otherwise create.
   */
  @Test
  void aConditionalUpdateWithIfMatchThatMatchesNothingCreatesNothing() {
    String marker = TestPeople.uniqueId();
    Patient fresh = TestPeople.patient();
    fresh.addIdentifier().setSystem(TestPeople.TEST_ID).setValue(marker);

    HttpResponse<String> response = send("PUT", "/Patient?identifier=" + TestPeople.TEST_ID + "%7C" + marker,
        json(fresh), "If-Match", "W/\"3\"");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(412);
    assertThat(outcome(response).getIssueFirstRep().getDiagnostics()).contains("If-Match");
    assertThat(patientsMarked(marker)).isEmpty();
  }

  @Test
  void anUpdateWithIfMatchOfAnIdNothingIsStoredUnderCreatesNothing() {
    String newId = "if-match-" + TestPeople.uniqueId();
    Patient fresh = TestPeople.patient();
    fresh.setId(newId);

    HttpResponse<String> response = send("PUT", "/Patient/" + newId, json(fresh), "If-Match", "W/\"1\"");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(412);
    assertThat(get("/Patient/" + newId).statusCode()).isEqualTo(404);
  }

  @Test
  void aConditionalUpdateWithAStaleIfMatchIsPreconditionFailed() {
    String marker = TestPeople.uniqueId();
    patient.addIdentifier().setSystem(TestPeople.TEST_ID).setValue(marker);
    assertThat(send("PUT", "/Patient/" + id.getIdPart(), json(patient)).statusCode()).isEqualTo(200); // version 3
    patient.setActive(false);

    HttpResponse<String> stale = send("PUT", "/Patient?identifier=" + TestPeople.TEST_ID + "%7C" + marker,
        json(patient), "If-Match", "W/\"2\"");
    HttpResponse<String> current = send("PUT", "/Patient?identifier=" + TestPeople.TEST_ID + "%7C" + marker,
        json(patient), "If-Match", "W/\"3\"");

    assertThat(stale.statusCode()).as(stale.body()).isEqualTo(412);
    assertThat(current.statusCode()).as(current.body()).isEqualTo(200);
    assertThat(currentVersion()).isEqualTo("4");
  }

  @Test
  void aTransactionEntryWithIfMatchCreatesNothingEither() {
    String marker = TestPeople.uniqueId();
    Patient fresh = TestPeople.patient();
    fresh.addIdentifier().setSystem(TestPeople.TEST_ID).setValue(marker);
    Bundle conditional = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    conditional.addEntry().setResource(fresh).getRequest().setMethod(Bundle.HTTPVerb.PUT)
        .setUrl("Patient?identifier=" + TestPeople.TEST_ID + "%7C" + marker).setIfMatch("W/\"3\"");
    String newId = "if-match-" + TestPeople.uniqueId();
    Patient byId = TestPeople.patient();
    byId.setId(newId);
    Bundle updateAsCreate = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    updateAsCreate.addEntry().setResource(byId).getRequest().setMethod(Bundle.HTTPVerb.PUT)
        .setUrl("Patient/" + newId).setIfMatch("W/\"1\"");
    Bundle notANumber = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    notANumber.addEntry().setResource(patient).getRequest().setMethod(Bundle.HTTPVerb.PUT)
        .setUrl("Patient/" + id.getIdPart()).setIfMatch("W/\"abc\"");

    HttpResponse<String> conditionalResponse = send("POST", "", json(conditional));
    HttpResponse<String> updateAsCreateResponse = send("POST", "", json(updateAsCreate));
    HttpResponse<String> notANumberResponse = send("POST", "", json(notANumber));

    assertThat(conditionalResponse.statusCode()).as(conditionalResponse.body()).isEqualTo(412);
    assertThat(patientsMarked(marker)).isEmpty();
    assertThat(updateAsCreateResponse.statusCode()).as(updateAsCreateResponse.body()).isEqualTo(412);
    assertThat(get("/Patient/" + newId).statusCode()).isEqualTo(404);
    assertThat(notANumberResponse.statusCode()).as(notANumberResponse.body()).isEqualTo(412);
    assertThat(currentVersion()).isEqualTo("2");
  }

  private java.util.List<Bundle.BundleEntryComponent> patientsMarked(String marker) {
    return parse(Bundle.class, get("/Patient?identifier=" + TestPeople.TEST_ID + "%7C" + marker)).getEntry();
  }

  private String currentVersion() {
    return client.read().resource(Patient.class).withId(id).execute().getMeta().getVersionId();
  }
}
