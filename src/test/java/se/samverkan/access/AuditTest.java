package se.samverkan.access;

import se.samverkan.auth.Caller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import se.samverkan.audit.AuditInterceptor;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.Journeys;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;

/** Point 7 of access control: every request leaves an AuditEvent, and log reviewers can find it. */
class AuditTest extends FhirServerTest {

  private static final String VC_RONNEBY = "SE2321000081-SV2081";
  private static final String KOMMUN_RONNEBY = "SE2120000837-SV1081";

  private String reviewer;

  @BeforeEach
  void logReviewer() {
    reviewer = "Bearer " + tokens.token("reviewer", TestTokens.REGION, TestTokens.REGION, Caller.LOG_REVIEWER,
        "system/AuditEvent.read");
  }

  @Test
  void aCreateASearchAndARefusedReadEachLeaveAnAuditEventWithWhoWhatAndOutcome() {
    String vc = subject("vc");
    String kommun = subject("kommun");
    String patient = create(token(vc, VC_RONNEBY, TestTokens.REGION), TestPeople.patient());

    get("/Patient?_id=" + patient.substring(8), "Authorization", token(vc, VC_RONNEBY, TestTokens.REGION));
    HttpResponse<String> refused = get("/" + patient, "Authorization", token(kommun, KOMMUN_RONNEBY, KOMMUN_RONNEBY));
    assertThat(refused.statusCode()).isEqualTo(404);

    List<AuditEvent> byVc = events(vc, 2);
    AuditEvent create = only(byVc, "create");
    assertThat(create.getAction()).isEqualTo(AuditEvent.AuditEventAction.C);
    assertThat(create.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._0);
    assertThat(agents(create)).containsExactlyInAnyOrder(vc, VC_RONNEBY, TestTokens.REGION);

    AuditEvent search = only(byVc, "search-type");
    assertThat(search.getAction()).isEqualTo(AuditEvent.AuditEventAction.R);
    assertThat(patients(search, "shown")).containsExactly(patient);
    assertThat(search.getEntity()).filteredOn(AuditEvent.AuditEventEntityComponent::hasQuery)
        .singleElement().satisfies(e -> assertThat(new String(e.getQuery(), java.nio.charset.StandardCharsets.UTF_8)).contains("_id="));

    AuditEvent denied = only(events(kommun, 1), "read");
    assertThat(denied.getOutcome()).as("a refused read is a failure").isEqualTo(AuditEvent.AuditEventOutcome._4);
    assertThat(patients(denied, "withheld")).containsExactly(patient);
    assertThat(agents(denied)).contains(KOMMUN_RONNEBY);
  }

  /** Every kind of request: one AuditEvent, with the interaction, the action and the patient. */
  @Test
  void everyKindOfRequestLeavesOneAuditEventNamingItsInteraction() {
    record Kind(String interaction, AuditEvent.AuditEventAction action, String method, String path, String body) {}
    String vc = subject("vc");
    String auth = token(vc, VC_RONNEBY, TestTokens.REGION);
    String patient = create(auth, TestPeople.patient());
    Patient stored = parse(Patient.class, get("/" + patient)); // as the suite: not one of vc's events
    stored.setActive(true);
    String patch = "[{\"op\":\"replace\",\"path\":\"/active\",\"value\":false}]";
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    transaction.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(patient);

    List<Kind> kinds = List.of(
        new Kind("read", AuditEvent.AuditEventAction.R, "GET", "/" + patient, null),
        new Kind("vread", AuditEvent.AuditEventAction.R, "GET", "/" + patient + "/_history/1", null),
        new Kind("search-type", AuditEvent.AuditEventAction.R, "GET", "/Patient?_id=" + patient.substring(8), null),
        new Kind("history-instance", AuditEvent.AuditEventAction.R, "GET", "/" + patient + "/_history", null),
        new Kind("operation", AuditEvent.AuditEventAction.E, "GET", "/" + patient + "/$everything", null),
        new Kind("update", AuditEvent.AuditEventAction.U, "PUT", "/" + patient, json(stored)),
        new Kind("patch", AuditEvent.AuditEventAction.U, "PATCH", "/" + patient, patch),
        new Kind("transaction", AuditEvent.AuditEventAction.E, "POST", "", json(transaction)),
        new Kind("delete", AuditEvent.AuditEventAction.D, "DELETE", "/" + patient, null));
    for (Kind kind : kinds) {
      String[] headers = kind.method().equals("PATCH")
          ? new String[] {"Authorization", auth, "Content-Type", "application/json-patch+json"}
          : new String[] {"Authorization", auth};
      HttpResponse<String> response = send(kind.method(), kind.path(), kind.body(), headers);
      assertThat(response.statusCode()).as(kind.interaction() + ": " + response.body()).isLessThan(300);
    }

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(events(vc, 0))
        .extracting(e -> e.getSubtypeFirstRep().getCode())
        .containsAll(kinds.stream().map(Kind::interaction).toList()));
    List<AuditEvent> events = events(vc, kinds.size() + 1); // + the create
    for (Kind kind : kinds) {
      AuditEvent event = only(events, kind.interaction());
      assertThat(event.getAction()).as(kind.interaction()).isEqualTo(kind.action());
      assertThat(event.getOutcome()).as(kind.interaction()).isEqualTo(AuditEvent.AuditEventOutcome._0);
      assertThat(event.getEntity()).as(kind.interaction() + " names the patient")
          .anySatisfy(e -> assertThat(e.hasWhat() ? e.getWhat().getReference() : e.getName()).isEqualTo(patient));
      assertThat(agents(event)).as(kind.interaction()).containsExactlyInAnyOrder(vc, VC_RONNEBY, TestTokens.REGION);
    }
  }

  @Test
  void aWriteRefusedForOwnershipIsAuditedAsAFailureNamingThePatient() {
    String vc = subject("vc");
    String kommun = subject("kommun");
    String patient = create(token(vc, VC_RONNEBY, TestTokens.REGION), TestPeople.patient());
    Patient changed = parse(Patient.class, get("/" + patient, "Authorization", token(vc, VC_RONNEBY, TestTokens.REGION)));
    changed.setActive(false);

    HttpResponse<String> update = send("PUT", "/" + patient, json(changed), "Authorization",
        token(kommun, KOMMUN_RONNEBY, KOMMUN_RONNEBY));

    assertThat(update.statusCode()).isEqualTo(403);
    AuditEvent event = only(events(kommun, 1), "update");
    assertThat(event.getAction()).isEqualTo(AuditEvent.AuditEventAction.U);
    assertThat(event.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._4);
    assertThat(patients(event, "written")).containsExactly(patient);
  }

  @Test
  void emergencyAccessIsFlaggedWithItsReasonAndListedByTheLogReviewQuery() {
    loadJourneys();
    String vc = subject("vc");
    String kommun = subject("kommun");
    String patient = create(token(vc, VC_RONNEBY, TestTokens.REGION), TestPeople.patient());
    // A care relation, but no consent: only emergency access lets the kommun read.
    CareTeam team = TestData.careTeam(new IdType(patient), new IdType("Organization", idOf("Organization", Journeys.KOMMUN_RONNEBY)));
    create(token(vc, VC_RONNEBY, TestTokens.REGION), team);

    HttpResponse<String> read = get("/" + patient, "Authorization", token(kommun, KOMMUN_RONNEBY, KOMMUN_RONNEBY),
        // Header values are ASCII: the reason goes percent-encoded as UTF-8.
        security().emergencyHeader(), java.net.URLEncoder.encode("Medvetslös vid hembesök", java.nio.charset.StandardCharsets.UTF_8));

    assertThat(read.statusCode()).isEqualTo(200);
    AuditEvent event = only(events(kommun, 1), "read");
    assertThat(event.getPurposeOfEventFirstRep().getCodingFirstRep().getCode()).isEqualTo(AuditInterceptor.EMERGENCY_CODE);
    assertThat(event.getPurposeOfEventFirstRep().getText()).isEqualTo("Medvetslös vid hembesök");

    Bundle emergencies = parse(Bundle.class, get("/AuditEvent?_security=" + AuditInterceptor.EMERGENCY_SYSTEM + "%7C"
        + AuditInterceptor.EMERGENCY_CODE + "&altid=" + kommun, "Authorization", reviewer));
    assertThat(emergencies.getEntry()).hasSize(1);
    Bundle byCodeAlone = parse(Bundle.class, get("/AuditEvent?_security=" + AuditInterceptor.EMERGENCY_CODE
        + "&altid=" + kommun, "Authorization", reviewer));
    assertThat(byCodeAlone.getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart())
        .isEqualTo(emergencies.getEntry().stream().map(e -> e.getResource().getIdElement().getIdPart()).toList());
    Bundle whoReadThePatient = parse(Bundle.class, get("/AuditEvent?patient=" + patient, "Authorization", reviewer));
    assertThat(whoReadThePatient.getEntry()).extracting(e -> ((AuditEvent) e.getResource()).getAgentFirstRep().getAltId())
        .contains(vc, kommun);

    // The patient log extract: which organizations were shown the patient's data.
    Parameters extract = parse(Parameters.class, get("/" + patient + "/$access-log", "Authorization", reviewer));
    Parameters.ParametersParameterComponent byKommun = extract.getParameter().stream()
        .filter(p -> p.getName().equals("access"))
        .filter(p -> p.getPart().stream().anyMatch(part -> part.getName().equals("careProvider")
            && part.getValue().primitiveValue().equals(KOMMUN_RONNEBY)))
        .findFirst().orElseThrow();
    assertThat(part(byKommun, "count")).isEqualTo("1");
    assertThat(part(byKommun, "emergency")).isEqualTo("1");
    assertThat(part(byKommun, "unit")).isEqualTo(KOMMUN_RONNEBY);
    assertThat(get("/" + patient + "/$access-log").statusCode()).as("only log reviewers").isEqualTo(403);
  }

  private static String part(Parameters.ParametersParameterComponent parameter, String name) {
    return parameter.getPart().stream().filter(p -> p.getName().equals(name)).findFirst().orElseThrow()
        .getValue().primitiveValue();
  }

  @Test
  void aLogReviewerSeesWhatItsOwnPeopleDidAndWhatOthersDidWithItsDataNothingElse() {
    String vc = subject("vc");
    String kommun = subject("kommun");
    String patient = create(token(vc, VC_RONNEBY, TestTokens.REGION), TestPeople.patient());
    get("/" + patient, "Authorization", token(kommun, KOMMUN_RONNEBY, KOMMUN_RONNEBY)); // refused: region data
    String kommunsOwn = create(token(kommun, KOMMUN_RONNEBY, KOMMUN_RONNEBY), TestPeople.patient());
    get("/" + kommunsOwn, "Authorization", token(kommun, KOMMUN_RONNEBY, KOMMUN_RONNEBY));

    List<AuditEvent> regionView = events(kommun, 1);
    assertThat(regionView).as("the region's reviewer: the kommun's attempt on region data only")
        .extracting(e -> e.getSubtypeFirstRep().getCode()).containsExactly("read");
    assertThat(patients(regionView.get(0), "withheld")).containsExactly(patient);

    String kommunReviewer = "Bearer " + tokens.token("kommun-reviewer", KOMMUN_RONNEBY, KOMMUN_RONNEBY,
        Caller.LOG_REVIEWER, "system/AuditEvent.read");
    Bundle kommunView = await().atMost(Duration.ofSeconds(10)).until(
        () -> parse(Bundle.class, get("/AuditEvent?altid=" + kommun, "Authorization", kommunReviewer)),
        b -> b.getEntry().size() >= 3);
    assertThat(kommunView.getEntry()).as("the kommun's reviewer: everything its own people did").hasSize(3);
    Bundle vcByKommunReviewer = parse(Bundle.class, get("/AuditEvent?altid=" + vc, "Authorization", kommunReviewer));
    assertThat(vcByKommunReviewer.getEntry()).as("not what the region's people did with region data").isEmpty();
  }

  @Test
  void theAuditLogCannotBeChangedOrDeletedThroughTheApi() {
    String vc = subject("vc");
    get("/Patient?_count=1", "Authorization", token(vc, VC_RONNEBY, TestTokens.REGION));
    AuditEvent event = events(vc, 1).get(0);
    String path = "/AuditEvent/" + event.getIdElement().getIdPart();
    event.setOutcomeDesc("tampered");

    for (String who : List.of(reviewer, "Bearer " + token)) {
      assertThat(send("PUT", path, json(event), "Authorization", who).statusCode()).isEqualTo(403);
      assertThat(send("DELETE", path, null, "Authorization", who).statusCode()).isEqualTo(403);
    }
    assertThat(parse(AuditEvent.class, get(path, "Authorization", reviewer)).getOutcomeDesc()).isNotEqualTo("tampered");
  }

  // --- helpers

  private static String subject(String who) {
    return who + "-" + UUID.randomUUID();
  }

  private String token(String subject, String unit, String careProvider) {
    return "Bearer " + tokens.token(subject, unit, careProvider, "journal-system", "system/*.read system/*.write");
  }

  private String create(String authorization, org.hl7.fhir.r4.model.Resource resource) {
    HttpResponse<String> created = send("POST", "/" + resource.fhirType(), json(resource), "Authorization", authorization);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    IdType id = new IdType(created.headers().firstValue("Location").orElseThrow());
    return id.getResourceType() + "/" + id.getIdPart();
  }

  /** The caller's AuditEvents, once there are at least {@code count} (a reviewer's search waits until every answered request's is stored). */
  private List<AuditEvent> events(String subject, int count) {
    return await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
      Bundle found = parse(Bundle.class, get("/AuditEvent?altid=" + subject + "&_count=100", "Authorization", reviewer));
      return found.getEntry().stream().map(e -> (AuditEvent) e.getResource()).toList();
    }, events -> events.size() >= count);
  }

  private static AuditEvent only(List<AuditEvent> events, String interaction) {
    List<AuditEvent> matching = events.stream()
        .filter(e -> e.getSubtypeFirstRep().getCode().equals(interaction)).toList();
    assertThat(matching).as(interaction).hasSize(1);
    return matching.get(0);
  }

  private static List<String> agents(AuditEvent event) {
    return event.getAgent().stream().map(a -> a.getWho().getIdentifier().getValue()).toList();
  }

  private static List<String> patients(AuditEvent event, String access) {
    return event.getEntity().stream()
        .filter(e -> e.getDetail().stream().anyMatch(d -> d.getValue().primitiveValue().equals(access)))
        .map(e -> e.getWhat().getReference()).toList();
  }
}
