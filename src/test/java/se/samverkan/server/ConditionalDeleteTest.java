package se.samverkan.server;

import se.samverkan.vocabulary.Vocabulary;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import se.samverkan.access.AccessPolicy;
import se.samverkan.auth.Caller;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.Journeys;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;

/**
 * Conditional delete ({@code DELETE Observation?identifier=…}): as a delete by id, only the owner
 * deletes; as every condition, it sees only what the caller may see, its own first; it deletes
 * one resource, and a condition matching several of them deletes nothing (412) — what the
 * CapabilityStatement says ({@code conditionalDelete: single}).
 */
class ConditionalDeleteTest extends FhirServerTest {

  private static final String SYSTEM = "urn:samverkan:test:conditional-delete";
  private static final String KOMMUN_RONNEBY = "SE2120000837-SV1081";
  private static final String KOMMUN_KARLSKRONA = "SE2120000829-SV1080";

  private String region;
  private String kommun;
  private String outsider;
  /** The region's patient, whose data the kommun may read (care team and consent). */
  private IdType sharedPatient;

  @BeforeEach
  void aRegionAndAKommunSharingAPatient() {
    String scopes = "system/*.read system/*.write";
    region = "Bearer " + tokens.token("vc-ronneby", "SE2321000081-SV2081", TestTokens.REGION, "journal-system", scopes);
    kommun = "Bearer " + tokens.token("kommun-ronneby", KOMMUN_RONNEBY, KOMMUN_RONNEBY, "journal-system", scopes);
    outsider = "Bearer " + tokens.token("kommun-karlskrona", KOMMUN_KARLSKRONA, KOMMUN_KARLSKRONA, "journal-system",
        scopes);
    loadJourneys();
    IdType kommunOrg = new IdType("Organization", idOf("Organization", Journeys.KOMMUN_RONNEBY));
    sharedPatient = create(TestPeople.patient(), "Authorization", region);
    create(TestData.careTeam(sharedPatient, kommunOrg), "Authorization", region);
    create(TestData.consent(sharedPatient, Vocabulary.SHARED_DOCUMENTATION_POLICY,
        Consent.ConsentProvisionType.PERMIT), "Authorization", region);
  }

  @Test
  void theOwnerDeletesItsOwnResourceByACondition() {
    String marker = TestPeople.uniqueId();
    IdType observation = create(observation(sharedPatient, marker), "Authorization", region);

    HttpResponse<String> delete = send("DELETE", condition(marker), null, "Authorization", region);

    assertThat(delete.statusCode()).as(delete.body()).isIn(200, 204);
    assertThat(get("/" + observation.getValue(), "Authorization", region).statusCode()).isEqualTo(410);
    assertThat(matches(region, marker)).isEmpty();
  }

  @Test
  void aConditionMatchingOnlyWhatTheCallerMayNotSeeAnswersAsOneMatchingNothing() {
    String hidden = TestPeople.uniqueId();
    String nobodys = TestPeople.uniqueId();
    IdType observation = create(observation(sharedPatient, hidden), "Authorization", region);

    HttpResponse<String> whenHidden = send("DELETE", condition(hidden), null, "Authorization", outsider);
    HttpResponse<String> whenNothing = send("DELETE", condition(nobodys), null, "Authorization", outsider);

    assertThat(whenHidden.statusCode()).as(whenHidden.body()).isIn(200, 204).isEqualTo(whenNothing.statusCode());
    assertThat(whenHidden.body().replace(hidden, "#").replaceAll("Took \\d+ms", ""))
        .isEqualTo(whenNothing.body().replace(nobodys, "#").replaceAll("Took \\d+ms", ""));
    assertThat(get("/" + observation.getValue(), "Authorization", region).statusCode()).isEqualTo(200);
  }

  @Test
  void aConditionMatchingAnotherOwnersResourceTheCallerSeesIsRefusedAsADeleteByIdIs() {
    String marker = TestPeople.uniqueId();
    IdType observation = create(observation(sharedPatient, marker), "Authorization", region);
    assertThat(get("/" + observation.getValue(), "Authorization", kommun).statusCode()).as("the kommun sees it")
        .isEqualTo(200);

    HttpResponse<String> byCondition = send("DELETE", condition(marker), null, "Authorization", kommun);
    HttpResponse<String> byId = send("DELETE", "/" + observation.getValue(), null, "Authorization", kommun);

    assertThat(byCondition.statusCode()).as(byCondition.body()).isEqualTo(403).isEqualTo(byId.statusCode());
    assertThat(outcome(byCondition).getIssueFirstRep().getDiagnostics()).contains("Only the care provider that owns");
    assertThat(get("/" + observation.getValue(), "Authorization", region).statusCode()).isEqualTo(200);
  }

  @Test
  void aConditionMatchingTheCallersOwnAndOthersItSeesDeletesOnlyItsOwn() {
    String marker = TestPeople.uniqueId();
    IdType regions = create(observation(sharedPatient, marker), "Authorization", region);
    IdType kommuns = create(observation(sharedPatient, marker), "Authorization", kommun);

    HttpResponse<String> delete = send("DELETE", condition(marker), null, "Authorization", kommun);

    assertThat(delete.statusCode()).as(delete.body()).isIn(200, 204);
    assertThat(get("/" + kommuns.getValue(), "Authorization", kommun).statusCode()).isEqualTo(410);
    assertThat(get("/" + regions.getValue(), "Authorization", region).statusCode()).isEqualTo(200);
  }

  @Test
  void aConditionMatchingSeveralDeletesNothing() {
    String marker = TestPeople.uniqueId();
    IdType first = create(observation(sharedPatient, marker), "Authorization", region);
    IdType second = create(observation(sharedPatient, marker), "Authorization", region);

    HttpResponse<String> delete = send("DELETE", condition(marker), null, "Authorization", region);

    assertThat(delete.statusCode()).as(delete.body()).isEqualTo(412);
    assertThat(outcome(delete).getIssueFirstRep().getDiagnostics()).contains("matched 2 resources");
    for (IdType id : List.of(first, second)) {
      assertThat(get("/" + id.getValue(), "Authorization", region).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void theAuditLogIsNotDeletedByAConditionEither() {
    String reviewer = "Bearer " + tokens.token("reviewer", TestTokens.REGION, TestTokens.REGION, Caller.LOG_REVIEWER,
        "system/AuditEvent.read");
    String before = parse(Bundle.class, get("/AuditEvent?altid=vc-ronneby&_count=1", "Authorization", reviewer))
        .getEntryFirstRep().getResource().getIdElement().getIdPart();

    HttpResponse<String> delete = send("DELETE", "/AuditEvent?altid=vc-ronneby", null, "Authorization", region);
    HttpResponse<String> inATransaction = send("POST", "", json(deleting("AuditEvent?altid=vc-ronneby")),
        "Authorization", region);

    assertThat(delete.statusCode()).as(delete.body()).isEqualTo(403);
    assertThat(outcome(delete).getIssueFirstRep().getDiagnostics()).contains("the audit log is written by the server only");
    assertThat(inATransaction.statusCode()).as(inATransaction.body()).isEqualTo(403);
    assertThat(get("/AuditEvent/" + before, "Authorization", reviewer).statusCode()).isEqualTo(200);
  }

  @Test
  void aTransactionEntryDeletesByConditionAsAPlainRequestDoes() {
    String own = TestPeople.uniqueId();
    String hidden = TestPeople.uniqueId();
    IdType kommuns = create(observation(sharedPatient, own), "Authorization", kommun);
    IdType regions = create(observation(sharedPatient, hidden), "Authorization", region);

    HttpResponse<String> ownDeleted = send("POST", "", json(deleting(condition(own).substring(1))),
        "Authorization", kommun);
    HttpResponse<String> hiddenKept = send("POST", "", json(deleting(condition(hidden).substring(1))),
        "Authorization", outsider);

    assertThat(ownDeleted.statusCode()).as(ownDeleted.body()).isEqualTo(200);
    assertThat(get("/" + kommuns.getValue(), "Authorization", kommun).statusCode()).isEqualTo(410);
    assertThat(hiddenKept.statusCode()).as(hiddenKept.body()).isEqualTo(200);
    assertThat(get("/" + regions.getValue(), "Authorization", region).statusCode()).isEqualTo(200);
  }

  @Test
  void theCapabilityStatementSaysWhatTheServerDoes() {
    CapabilityStatement metadata = parse(CapabilityStatement.class, get("/metadata"));

    for (CapabilityStatement.CapabilityStatementRestResourceComponent resource : metadata.getRestFirstRep().getResource()) {
      CapabilityStatement.ConditionalDeleteStatus expected = resource.getType().equals("AuditEvent")
          ? CapabilityStatement.ConditionalDeleteStatus.NOTSUPPORTED
          : CapabilityStatement.ConditionalDeleteStatus.SINGLE;
      assertThat(resource.getConditionalDelete()).as(resource.getType()).isEqualTo(expected);
    }
  }

  private static String condition(String marker) {
    return "/Observation?identifier=" + SYSTEM + "%7C" + marker;
  }

  private List<Bundle.BundleEntryComponent> matches(String authorization, String marker) {
    return parse(Bundle.class, get(condition(marker), "Authorization", authorization)).getEntry();
  }

  private static Observation observation(IdType patient, String marker) {
    Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL);
    observation.getCode().setText("Anteckning");
    observation.setSubject(new Reference(patient));
    observation.addIdentifier().setSystem(SYSTEM).setValue(marker);
    return observation;
  }

  private static Bundle deleting(String conditionalUrl) {
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    transaction.addEntry().getRequest().setMethod(Bundle.HTTPVerb.DELETE).setUrl(conditionalUrl);
    return transaction;
  }
}
