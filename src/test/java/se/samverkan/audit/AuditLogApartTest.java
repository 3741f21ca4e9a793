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
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import se.samverkan.auth.Caller;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;

/** The audit log stays out of $everything and out of the subscription queue (AuditLogApart). */
class AuditLogApartTest extends FhirServerTest {

  @Autowired IInterceptorService interceptors;

  @Test
  void everythingLeavesTheAuditLogOut() {
    IdType patient = create(TestPeople.patient());
    create(TestData.carePlan(patient));
    get("/Patient/" + patient.getIdPart()); // an AuditEvent naming the patient
    String reviewer = "Bearer " + tokens.token("reviewer", TestTokens.REGION, TestTokens.REGION, Caller.LOG_REVIEWER,
        "system/AuditEvent.read");
    await().atMost(Duration.ofSeconds(10)).until(() -> parse(Bundle.class,
        get("/AuditEvent?patient=Patient/" + patient.getIdPart(), "Authorization", reviewer)).getEntry().size() >= 2);

    List<String> loaded = loadedBy(() -> get("/Patient/" + patient.getIdPart() + "/$everything"));
    assertThat(loaded).contains("Patient", "CarePlan").doesNotContain("AuditEvent");
    List<String> asked = loadedBy(() -> get("/Patient/" + patient.getIdPart() + "/$everything?_type=AuditEvent,Patient"));
    assertThat(asked).as("not even when _type names it").doesNotContain("AuditEvent");
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
