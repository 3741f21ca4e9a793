package se.samverkan.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import ca.uhn.fhir.rest.api.server.IPreResourceAccessDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import se.samverkan.auth.Caller;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;

/**
 * The audit log is kept apart from the record (AuditLogApart): in a store of its own, not among
 * HAPI's resources, so no search of the record reaches it, nothing of it enters the subscription
 * queue, and the CapabilityStatement offers for it only what its store does.
 */
class AuditLogApartTest extends FhirServerTest {

  @Autowired IInterceptorService interceptors;
  @Autowired DataSource dataSource;

  @Test
  void theLogIsNotStoredAmongHapisResourcesAndEverythingLeavesItOut() {
    IdType patient = create(TestPeople.patient());
    create(TestData.carePlan(patient));
    get("/Patient/" + patient.getIdPart()); // an AuditEvent naming the patient
    assertThat(parse(Bundle.class, get("/AuditEvent?patient=Patient/" + patient.getIdPart(), "Authorization", reviewer()))
        .getEntry()).as("the reviewer finds the create and the read").hasSizeGreaterThanOrEqualTo(2);

    Integer hapisAuditEvents = new JdbcTemplate(dataSource).queryForObject(
        "SELECT COUNT(*) FROM HFJ_RESOURCE WHERE RES_TYPE = 'AuditEvent'", Integer.class);
    assertThat(hapisAuditEvents).isZero();
    List<String> loaded = loadedBy(() -> get("/Patient/" + patient.getIdPart() + "/$everything"));
    assertThat(loaded).contains("Patient", "CarePlan").doesNotContain("AuditEvent");
  }

  @Test
  void aSearchOfTheRecordThatWouldReachTheLogIsRefusedNotAnsweredEmpty() {
    IdType patient = create(TestPeople.patient());
    String reviewerWhoReadsPatients = "Bearer " + tokens.token("reviewer", TestTokens.REGION, TestTokens.REGION,
        Caller.LOG_REVIEWER, "system/AuditEvent.read system/Patient.read");

    for (String search : List.of("/Patient?_has:AuditEvent:patient:altid=vc-ronneby",
        "/Patient?_id=" + patient.getIdPart() + "&_revinclude=AuditEvent:patient",
        "/Patient/" + patient.getIdPart() + "/$everything?_type=AuditEvent,Patient")) {
      for (String caller : List.of("Bearer " + token, reviewerWhoReadsPatients)) {
        HttpResponse<String> refused = get(search, "Authorization", caller);
        assertThat(refused.statusCode()).as(search + ": " + refused.body()).isEqualTo(400);
        assertThat(outcome(refused).getIssueFirstRep().getDiagnostics()).as(search).contains("kept apart from the record");
      }
    }
  }

  @Test
  void theCapabilityStatementOffersForTheLogWhatItsStoreDoes() {
    CapabilityStatement capabilities = parse(CapabilityStatement.class, get("/metadata"));
    CapabilityStatement.CapabilityStatementRestResourceComponent log = capabilities.getRestFirstRep().getResource()
        .stream().filter(r -> r.getType().equals("AuditEvent")).findFirst().orElseThrow();

    assertThat(log.getInteraction()).extracting(i -> i.getCode().toCode()).containsExactlyInAnyOrder("read", "search-type");
    assertThat(log.getSearchParam()).extracting(CapabilityStatement.CapabilityStatementRestResourceSearchParamComponent::getName)
        .containsExactlyInAnyOrder("altid", "patient", "date", "_security");
    assertThat(log.getSearchInclude()).extracting(i -> i.getValue()).containsExactly("AuditEvent:patient");
    assertThat(log.getConditionalDelete()).isEqualTo(CapabilityStatement.ConditionalDeleteStatus.NOTSUPPORTED);
    assertThat(capabilities.getRestFirstRep().getResource()).flatExtracting(r -> r.getSearchRevInclude())
        .extracting(i -> i.getValue()).noneMatch(include -> include.startsWith("AuditEvent:"));
  }

  @Test
  void aSubscriptionOnTheAuditLogIsRefused() {
    Subscription subscription = new Subscription().setStatus(Subscription.SubscriptionStatus.REQUESTED)
        .setReason("Varna vid nödåtkomst").setCriteria("AuditEvent?_security=ETREAT");
    subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK)
        .setEndpoint("http://127.0.0.1:10009/hook");
    HttpResponse<String> refused = send("POST", "/Subscription", json(subscription));
    assertThat(refused.statusCode()).isEqualTo(422);
    assertThat(outcome(refused).getIssueFirstRep().getDiagnostics()).contains("audit log");
  }

  @Test
  void auditEventsNeverEnterTheSubscriptionQueue() {
    CheckedChanges checked = new CheckedChanges();
    interceptors.registerInterceptor(checked);
    try {
      IdType first = create(TestPeople.patient());
      get("/Patient/" + first.getIdPart()); // an AuditEvent for the read
      // A change that is always queued, whatever the subscriptions: the coordination rules need
      // every Encounter (notify/UnmatchableChangesSkipped leaves out what no one needs).
      Encounter visit = new Encounter().setStatus(Encounter.EncounterStatus.FINISHED)
          .setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", null))
          .setSubject(new Reference(first));
      create(visit);
      // HAPI takes queued changes oldest first: once the Encounter is checked, the AuditEvents of
      // the requests before it would have been too.
      await().atMost(Duration.ofSeconds(20)).until(() -> checked.types.contains("Encounter"));
      assertThat(checked.types).doesNotContain("AuditEvent");
    } finally {
      interceptors.unregisterInterceptor(checked);
    }
  }

  private String reviewer() {
    return tokens.logReviewer(TestTokens.REGION);
  }

  private List<String> loadedBy(Supplier<HttpResponse<String>> request) {
    LoadedResources loaded = new LoadedResources();
    interceptors.registerInterceptor(loaded);
    try {
      assertThat(request.get().statusCode()).isEqualTo(200);
    } finally {
      interceptors.unregisterInterceptor(loaded);
    }
    return loaded.types;
  }

  /**
   * The types of the resources HAPI loads for a $everything answer, before access checks. Only
   * that operation's: the interceptor is global, and other work (the previous request's audit
   * write, background tasks) may load resources at the same time.
   */
  public static class LoadedResources {
    final List<String> types = new CopyOnWriteArrayList<>();

    @Hook(Pointcut.STORAGE_PREACCESS_RESOURCES)
    public void loaded(IPreResourceAccessDetails details, RequestDetails request) {
      if (request == null || !"$everything".equals(request.getOperation())) {
        return;
      }
      for (int i = 0; i < details.size(); i++) {
        types.add(details.getResource(i).fhirType());
      }
    }
  }

  /** The types of the changes HAPI's subscription pipeline checks. */
  public class CheckedChanges {
    final List<String> types = new CopyOnWriteArrayList<>();

    @Hook(Pointcut.SUBSCRIPTION_BEFORE_PERSISTED_RESOURCE_CHECKED)
    public boolean seen(ResourceModifiedMessage change) {
      types.add(change.getPayloadId(fhirContext).getResourceType());
      return true;
    }
  }
}
