package se.samverkan.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestPeople;

/** Conditional create and update on business identifiers: what makes loading idempotent. */
class ConditionalOperationsTest extends FhirServerTest {

  @Test
  void conditionalCreateReturnsTheExistingResourceInsteadOfADuplicate() {
    Patient patient = TestPeople.patient();
    String pnr = patient.getIdentifierFirstRep().getValue();
    String ifNoneExist = "identifier=" + TestPeople.PERSONNUMMER + "|" + pnr;

    HttpResponse<String> first = send("POST", "/Patient", json(patient), "If-None-Exist", ifNoneExist);
    HttpResponse<String> second = send("POST", "/Patient", json(patient), "If-None-Exist", ifNoneExist);

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.headers().firstValue("Location"))
        .isEqualTo(first.headers().firstValue("Location"));
    assertThat(patientsWith(pnr).getEntry()).hasSize(1);
  }

  @Test
  void conditionalUpdateCreatesOnceThenUpdatesTheMatch() {
    Patient patient = TestPeople.patient();
    String pnr = patient.getIdentifierFirstRep().getValue();
    String url = "/Patient?identifier=" + TestPeople.PERSONNUMMER + "%7C" + pnr;

    HttpResponse<String> created = send("PUT", url, json(patient));
    patient.setActive(true);
    HttpResponse<String> updated = send("PUT", url, json(patient));

    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(updated.statusCode()).isEqualTo(200);
    Bundle found = patientsWith(pnr);
    assertThat(found.getEntry()).hasSize(1);
    Patient stored = (Patient) found.getEntryFirstRep().getResource();
    assertThat(stored.getActive()).isTrue();
    assertThat(stored.getMeta().getVersionId()).isEqualTo("2");
  }

  @Test
  void conditionalUpdateMatchingSeveralResourcesIsRefusedWith412() {
    String shared = TestPeople.uniqueId();
    for (int i = 0; i < 2; i++) {
      Patient patient = TestPeople.patient();
      patient.addIdentifier().setSystem(TestPeople.TEST_ID).setValue(shared);
      client.create().resource(patient).execute();
    }

    HttpResponse<String> response =
        send("PUT", "/Patient?identifier=" + TestPeople.TEST_ID + "%7C" + shared, json(TestPeople.patient()));

    assertThat(response.statusCode()).isEqualTo(412);
    assertThat(outcome(response).getIssueFirstRep().getDiagnostics()).isNotBlank();
  }

  private Bundle patientsWith(String pnr) {
    return parse(Bundle.class, get("/Patient?identifier=" + TestPeople.PERSONNUMMER + "%7C" + pnr));
  }
}
