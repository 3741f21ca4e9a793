package se.samverkan.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;

/** Transactions are all or nothing; batches are entry by entry. */
class BundleTest extends FhirServerTest {

  @Test
  void aTransactionStoresAllEntriesAndResolvesTheirReferences() {
    String marker = TestPeople.uniqueId();
    Bundle transaction = patientWithTeam(marker);

    HttpResponse<String> response = send("POST", "", json(transaction));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    Bundle result = parse(Bundle.class, response);
    assertThat(result.getType()).isEqualTo(Bundle.BundleType.TRANSACTIONRESPONSE);
    assertThat(result.getEntry()).allSatisfy(e -> assertThat(e.getResponse().getStatus()).startsWith("201"));
    Bundle teams = parse(Bundle.class, get("/CareTeam?subject.identifier=" + TestPeople.TEST_ID + "%7C" + marker));
    assertThat(teams.getEntry()).hasSize(1);
  }

  @Test
  void aTransactionWithOneFailingEntryStoresNothing() {
    String marker = TestPeople.uniqueId();
    Bundle transaction = patientWithTeam(marker);
    transaction.addEntry().setResource(dangling(marker)).getRequest()
        .setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");

    HttpResponse<String> response = send("POST", "", json(transaction));

    assertThat(response.statusCode()).isBetween(400, 499);
    assertThat(outcome(response).getIssueFirstRep().getDiagnostics()).contains("does-not-exist");
    assertThat(patientsMarked(marker).getEntry()).isEmpty();
    assertThat(parse(Bundle.class, get("/CareTeam?subject.identifier=" + TestPeople.TEST_ID + "%7C" + marker))
        .getEntry()).isEmpty();
  }

  @Test
  void aBatchStoresTheGoodEntriesAndReportsTheBadOne() {
    String marker = TestPeople.uniqueId();
    Bundle batch = new Bundle().setType(Bundle.BundleType.BATCH);
    batch.addEntry().setResource(markedPatient(marker)).getRequest()
        .setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
    batch.addEntry().setResource(dangling(marker)).getRequest()
        .setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");

    HttpResponse<String> response = send("POST", "", json(batch));

    assertThat(response.statusCode()).isEqualTo(200);
    Bundle result = parse(Bundle.class, response);
    assertThat(result.getType()).isEqualTo(Bundle.BundleType.BATCHRESPONSE);
    assertThat(result.getEntry().get(0).getResponse().getStatus()).startsWith("201");
    assertThat(result.getEntry().get(1).getResponse().getStatus()).startsWith("4");
    assertThat(result.getEntry().get(1).getResponse().getOutcome()).isNotNull();
    assertThat(patientsMarked(marker).getEntry()).hasSize(1);
  }

  private Bundle patientWithTeam(String marker) {
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    String patientUrl = "urn:uuid:" + TestPeople.uniqueId();
    transaction.addEntry().setFullUrl(patientUrl).setResource(markedPatient(marker)).getRequest()
        .setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
    CareTeam team = TestData.careTeam(new IdType(patientUrl), new IdType(TestData.REGION));
    transaction.addEntry().setResource(team).getRequest()
        .setMethod(Bundle.HTTPVerb.POST).setUrl("CareTeam");
    return transaction;
  }

  /**
   * A Bundle POSTed to /Bundle is a resource to store (a document, a collection), not a batch to
   * process: 201 with its Location, stored once, read back by its owner. (Issue 17 saw 412 here
   * with the Bundle stored all the same.)
   */
  @Test
  void aPlainPostOfABundleStoresItOnceAndSaysSo() {
    String marker = TestPeople.uniqueId();
    IdType patient = create(TestPeople.patient());
    Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL);
    observation.getCode().setText("Anteckning");
    observation.setSubject(new Reference(patient));
    Bundle collection = new Bundle().setType(Bundle.BundleType.COLLECTION);
    collection.getIdentifier().setSystem(TestPeople.TEST_ID).setValue(marker);
    collection.addEntry().setFullUrl("urn:uuid:" + TestPeople.uniqueId()).setResource(observation);

    HttpResponse<String> response = send("POST", "/Bundle", json(collection));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    String location = response.headers().firstValue("Location").orElseThrow();
    Bundle stored = parse(Bundle.class, get("/Bundle/" + new IdType(location).getIdPart()));
    assertThat(stored.getEntry()).hasSize(1);
    Bundle found = parse(Bundle.class, get("/Bundle?identifier=" + TestPeople.TEST_ID + "%7C" + marker));
    assertThat(found.getEntry()).as("stored once").hasSize(1);
  }

  /** An Observation (of a code no profile claims) about a patient that does not exist. */
  private static Observation dangling(String marker) {
    Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL);
    observation.getCode().setText("Anteckning");
    observation.setSubject(new Reference("Patient/does-not-exist-" + marker));
    return observation;
  }

  private static Patient markedPatient(String marker) {
    Patient patient = TestPeople.patient();
    patient.addIdentifier().setSystem(TestPeople.TEST_ID).setValue(marker);
    return patient;
  }

  private Bundle patientsMarked(String marker) {
    return parse(Bundle.class, get("/Patient?identifier=" + TestPeople.TEST_ID + "%7C" + marker));
  }
}
