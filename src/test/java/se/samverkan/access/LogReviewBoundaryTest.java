package se.samverkan.access;

import se.samverkan.vocabulary.Vocabulary;


import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.Journeys;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;

/**
 * Issue 16, log review: a log reviewer reads the audit log of its own care provider only — what
 * its people did and what others did with its data — also through the patient log extract; and
 * the audit log is refused to everyone else however it is asked for.
 */
class LogReviewBoundaryTest extends FhirServerTest {

  private static final String VC_RONNEBY = "SE2321000081-SV2081";
  private static final String KOMMUN_RONNEBY = "SE2120000837-SV1081";

  @Test
  void aRegionReviewerGetsTheSameExtractForAPatientWhoseDataIsAllTheKommunsAsForNoPatientAtAll() {
    String kommun = kommun();
    String patient = create(kommun, TestPeople.patient());
    assertThat(get("/" + patient, "Authorization", kommun).statusCode()).isEqualTo(200);
    awaitAccessIn(kommunReviewer(), patient);

    String unknown = "Patient/" + UUID.randomUUID();
    assertThat(extract(regionReviewer(), patient)).isEqualTo(extract(regionReviewer(), unknown));
    assertThat(accesses(regionReviewer(), patient)).isEmpty();
  }

  @Test
  void anAccessThatShowedTheRegionsDataAboutOnePatientDoesNotBringAnotherPatientsAccessIntoTheRegionsExtract() {
    loadJourneys();
    String kommunOrganization = "Organization/" + idOf("Organization", Journeys.KOMMUN_RONNEBY);
    String regionsPatient = create(vc(), TestPeople.patient());
    create(vc(), TestData.careTeam(new IdType(regionsPatient), new IdType(kommunOrganization)));
    create(vc(), TestData.consent(new IdType(regionsPatient), Vocabulary.SHARED_DOCUMENTATION_POLICY,
        Consent.ConsentProvisionType.PERMIT));
    String kommun = kommun();
    String kommunsPatient = create(kommun, TestPeople.patient());
    Goal goal = new Goal().setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE);
    goal.getDescription().setText("Klara förflyttningar själv");
    goal.setSubject(new Reference(kommunsPatient));
    create(kommun, goal);

    // One request of the kommun's shows the region's data about one patient and its own about another.
    Bundle batch = new Bundle().setType(Bundle.BundleType.BATCH);
    batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(regionsPatient);
    batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Goal?patient=" + kommunsPatient);
    assertThat(send("POST", "", json(batch), "Authorization", kommun).statusCode()).isEqualTo(200);
    awaitAccessIn(kommunReviewer(), kommunsPatient);
    await().atMost(Duration.ofSeconds(10)).until(() -> !accesses(regionReviewer(), regionsPatient).isEmpty());

    assertThat(accesses(regionReviewer(), regionsPatient)).as("the kommun was shown the region's data")
        .anySatisfy(a -> assertThat(a).startsWith(KOMMUN_RONNEBY + "|"));
    String unknown = "Patient/" + UUID.randomUUID();
    assertThat(extract(regionReviewer(), kommunsPatient)).as("the kommun's patient, whose data the region has none of")
        .isEqualTo(extract(regionReviewer(), unknown));
  }

  @Test
  void aRegionReviewerSeesWhatTheRegionsOwnPeopleDidWithAKommunsPatient() {
    loadJourneys();
    String kommun = kommun();
    String patient = create(kommun, TestPeople.patient());
    String vcOrganization = "Organization/" + idOf("Organization", Journeys.VC_RONNEBY);
    create(kommun, TestData.careTeam(new IdType(patient), new IdType(vcOrganization)));
    create(kommun, TestData.consent(new IdType(patient), Vocabulary.SHARED_DOCUMENTATION_POLICY,
        Consent.ConsentProvisionType.PERMIT));
    assertThat(get("/" + patient, "Authorization", vc()).statusCode()).isEqualTo(200);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(accesses(regionReviewer(), patient))
        .containsExactly(TestTokens.REGION + "|" + VC_RONNEBY));
  }

  @Test
  void aGetOfTheAuditLogInsideABatchIsRefusedAsThePlainGetIs() {
    String journalSystem = vc();
    get("/Patient?_count=1", "Authorization", journalSystem);
    String someEvent = await().atMost(Duration.ofSeconds(10)).until(() -> {
      Bundle found = parse(Bundle.class, get("/AuditEvent?_count=1", "Authorization", regionReviewer()));
      return found.getEntry().isEmpty() ? null : "AuditEvent/" + found.getEntryFirstRep().getResource().getIdElement().getIdPart();
    }, id -> id != null);

    for (String url : List.of("AuditEvent?_count=1", someEvent, "AuditEvent?patient=Patient/" + UUID.randomUUID())) {
      HttpResponse<String> plain = get("/" + url, "Authorization", journalSystem);
      assertThat(plain.statusCode()).as("plain GET " + url).isEqualTo(403);
      assertThat(outcome(plain).getIssueFirstRep().getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);

      for (Bundle.BundleType type : List.of(Bundle.BundleType.BATCH, Bundle.BundleType.TRANSACTION)) {
        // A GET inside a transaction answers in its entry, as in a batch (HAPI: reads do not roll back).
        Bundle bundle = new Bundle().setType(type);
        bundle.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(url);
        HttpResponse<String> answer = send("POST", "", json(bundle), "Authorization", journalSystem);
        assertThat(answer.statusCode()).as(type + " " + url).isEqualTo(200);
        assertThat(answer.body()).as("nothing of the log in the answer").doesNotContain("\"AuditEvent\"");
        Bundle.BundleEntryComponent entry = parse(Bundle.class, answer).getEntryFirstRep();
        assertThat(entry.getResponse().getStatus()).as(type + " GET " + url).startsWith("403");
        assertThat(entry.hasResource()).as("nothing of the log in the entry").isFalse();
        assertThat(entry.getResponse().getOutcome()).isInstanceOf(OperationOutcome.class);
        assertThat(((OperationOutcome) entry.getResponse().getOutcome()).getIssueFirstRep().getDiagnostics())
            .as("the same refusal as the plain GET").isEqualTo(outcome(plain).getIssueFirstRep().getDiagnostics());
      }
    }

    Bundle reviewers = new Bundle().setType(Bundle.BundleType.BATCH);
    reviewers.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(someEvent);
    Bundle answer = parse(Bundle.class, send("POST", "", json(reviewers), "Authorization", regionReviewer()));
    assertThat(answer.getEntryFirstRep().getResponse().getStatus()).as("a reviewer's batch still reads the log")
        .startsWith("200");
    assertThat(answer.getEntryFirstRep().getResource()).isInstanceOf(AuditEvent.class);
  }

  // --- helpers

  /** The extract as answered, with the patient's id taken out: what the reviewer learns. */
  private String extract(String reviewer, String patient) {
    HttpResponse<String> response = get("/" + patient + "/$access-log", "Authorization", reviewer);
    return response.statusCode() + " " + response.body().replace(patient, "Patient/ID");
  }

  /** "careProvider|unit" of each access the extract lists. */
  private List<String> accesses(String reviewer, String patient) {
    HttpResponse<String> response = get("/" + patient + "/$access-log", "Authorization", reviewer);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return parse(Parameters.class, response).getParameter().stream()
        .filter(p -> p.getName().equals("access"))
        .map(p -> part(p, "careProvider") + "|" + part(p, "unit"))
        .toList();
  }

  private void awaitAccessIn(String reviewer, String patient) {
    await().atMost(Duration.ofSeconds(10)).until(() -> !accesses(reviewer, patient).isEmpty());
  }

  private static String part(Parameters.ParametersParameterComponent parameter, String name) {
    return parameter.getPart().stream().filter(p -> p.getName().equals(name)).findFirst().orElseThrow()
        .getValue().primitiveValue();
  }

  /**
   * "Withheld Patient/…" in the kommun's own log would tell the kommun that its search matched the
   * region's hidden data: the kommun's reviewer sees what its people asked, not whose data they
   * were refused; the region's reviewer, whose data it was, sees the refusal.
   */
  @Test
  void aReviewerIsNotToldWhichOfAnotherCareProvidersPatientsItsPeopleWereRefused() {
    String regionsPatient = create(vc(), TestPeople.patient());
    String subject = "kommun-" + UUID.randomUUID();
    String kommun = "Bearer " + tokens.token(subject, KOMMUN_RONNEBY, KOMMUN_RONNEBY, "journal-system", "system/*.read");
    assertThat(get("/Patient?_id=" + new IdType(regionsPatient).getIdPart(), "Authorization", kommun).statusCode())
        .isEqualTo(200);

    await().atMost(Duration.ofSeconds(10)).until(() ->
        !parse(Bundle.class, get("/AuditEvent?altid=" + subject, "Authorization", kommunReviewer())).getEntry().isEmpty());
    String kommunsView = get("/AuditEvent?altid=" + subject, "Authorization", kommunReviewer()).body();
    assertThat(kommunsView).contains("\"AuditEvent\"").doesNotContain(new IdType(regionsPatient).getIdPart());
    String regionsView = get("/AuditEvent?altid=" + subject + "&patient=" + regionsPatient, "Authorization",
        regionReviewer()).body();
    assertThat(regionsView).contains(regionsPatient).contains("withheld");
  }

  private String regionReviewer() {
    return tokens.logReviewer(TestTokens.REGION);
  }

  private String kommunReviewer() {
    return tokens.logReviewer(KOMMUN_RONNEBY);
  }

  private String vc() {
    return "Bearer " + tokens.token("vc-" + UUID.randomUUID(), VC_RONNEBY, TestTokens.REGION, "journal-system",
        "system/*.read system/*.write");
  }

  private String kommun() {
    return "Bearer " + tokens.token("kommun-" + UUID.randomUUID(), KOMMUN_RONNEBY, KOMMUN_RONNEBY, "journal-system",
        "system/*.read system/*.write");
  }

  private String create(String authorization, org.hl7.fhir.r4.model.Resource resource) {
    HttpResponse<String> created = send("POST", "/" + resource.fhirType(), json(resource), "Authorization", authorization);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    IdType id = new IdType(created.headers().firstValue("Location").orElseThrow());
    return id.getResourceType() + "/" + id.getIdPart();
  }
}
