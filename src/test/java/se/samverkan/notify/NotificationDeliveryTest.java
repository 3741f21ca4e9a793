package se.samverkan.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Subscription;
import org.hl7.fhir.r4.model.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestPeople;
import se.samverkan.support.WebhookReceiver;

/**
 * Rest-hook delivery as a journal system sees it, with a real HTTP receiver: id-only
 * notifications within seconds, back-off while the endpoint fails, status {@code error} when it
 * keeps failing, and recovery. (The suite's context retries after 0.3 s, doubling up to 2 s, and
 * calls a subscription failing after 3 attempts; see FhirServerTest.)
 */
class NotificationDeliveryTest extends FhirServerTest {

  private static final String SECRET_TEXT = "Vill kunna gå till kyrkan på söndagar";

  @RegisterExtension final WebhookReceiver receiver = WebhookReceiver.perTest();

  @Test
  void aChangeIsNotifiedWithinSecondsNamingTheResourceButNotItsContent() {
    String tag = TestPeople.uniqueId();
    IdType subscription = subscribe("Goal?_tag=" + TestPeople.TEST_ID + "|" + tag, "application/fhir+json");
    IdType goal = create(goal(tag));

    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.delivered().size() == 1);
    WebhookReceiver.Received received = receiver.requests().get(0);
    assertThat(received.method()).isEqualTo("POST");
    assertThat(received.contentType()).startsWith("application/fhir+json");
    assertThat(received.body()).doesNotContain(SECRET_TEXT).doesNotContain("Promenera");

    Bundle notification = fhirContext.newJsonParser().parseResource(Bundle.class, received.body());
    assertThat(notification.getType()).isEqualTo(Bundle.BundleType.HISTORY);
    assertThat(notification.getEntry()).hasSize(2);
    Parameters status = (Parameters) notification.getEntryFirstRep().getResource();
    assertThat(((Reference) status.getParameter("subscription").getValue()).getReference())
        .isEqualTo(baseUrl() + "/Subscription/" + subscription.getIdPart());
    assertThat(((CodeType) status.getParameter("type").getValue()).getValue()).isEqualTo("event-notification");
    Parameters.ParametersParameterComponent event = status.getParameter("notification-event");
    Type focus = event.getPart().stream().filter(p -> p.getName().equals("focus")).findFirst().orElseThrow()
        .getValue();
    assertThat(((Reference) focus).getReference())
        .isEqualTo(baseUrl() + "/Goal/" + goal.getIdPart());
    Bundle.BundleEntryComponent changed = notification.getEntry().get(1);
    assertThat(changed.getFullUrl()).isEqualTo(baseUrl() + "/Goal/" + goal.getIdPart());
    assertThat(changed.hasResource()).as("id-only: no resource in the notification").isFalse();
    assertThat(changed.getRequest().getMethod()).isEqualTo(Bundle.HTTPVerb.POST);
  }

  @Test
  void withoutAPayloadTheNotificationIsAnEmptyPost() {
    String tag = TestPeople.uniqueId();
    subscribe("Goal?_tag=" + TestPeople.TEST_ID + "|" + tag, null);
    create(goal(tag));

    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.delivered().size() == 1);
    assertThat(receiver.requests().get(0).body()).isEmpty();
  }

  /**
   * HAPI records a delete under the version it deleted, the key of the create still waiting for
   * matching; the delete used to overwrite that record, so the create was never notified, or to
   * fail with 409 when HAPI's job took the record at that moment (PendingChangeBeforeDelete).
   */
  @Test
  void aResourceDeletedRightAfterItWasCreatedIsStillNotifiedAsCreated() {
    String tag = TestPeople.uniqueId();
    subscribe("Goal?_tag=" + TestPeople.TEST_ID + "|" + tag, "application/fhir+json");
    IdType goal = create(goal(tag));

    HttpResponse<String> delete = send("DELETE", "/Goal/" + goal.getIdPart(), null);

    assertThat(delete.statusCode()).as(delete.body()).isIn(200, 204);
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.delivered().size() == 1);
    Bundle notification = fhirContext.newJsonParser().parseResource(Bundle.class, receiver.requests().get(0).body());
    assertThat(notification.getEntry().get(1).getFullUrl()).endsWith("/Goal/" + goal.getIdPart());
    assertThat(notification.getEntry().get(1).getRequest().getMethod()).isEqualTo(Bundle.HTTPVerb.POST);
  }

  @Test
  void aFailingEndpointIsRetriedWithBackOffMarkedErrorAndRecovers() {
    receiver.answer(503);
    String tag = TestPeople.uniqueId();
    IdType subscription = subscribe("Goal?_tag=" + TestPeople.TEST_ID + "|" + tag, "application/fhir+json");
    IdType goal = create(goal(tag));

    await().atMost(Duration.ofSeconds(30)).until(() -> read(subscription).getStatus() == Subscription.SubscriptionStatus.ERROR);
    Subscription failing = read(subscription);
    assertThat(failing.getError().replaceAll("\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z", "<time>"))
        .as("says that deliveries fail, not the status the endpoint answered (SubscriptionEndpointTest)")
        .contains("3 delivery attempts in a row failed, the last at <time>").doesNotContain("503");
    List<WebhookReceiver.Received> attempts = receiver.requests();
    assertThat(attempts).hasSizeGreaterThanOrEqualTo(3);
    long firstWait = attempts.get(1).atMillis() - attempts.get(0).atMillis();
    long secondWait = attempts.get(2).atMillis() - attempts.get(1).atMillis();
    assertThat(firstWait).as("waits at least the first retry interval").isGreaterThanOrEqualTo(250);
    assertThat(secondWait).as("the wait doubles").isGreaterThan(firstWait);

    receiver.answer(200);
    await().atMost(Duration.ofSeconds(30)).until(() -> !receiver.delivered().isEmpty());
    assertThat(receiver.delivered().get(0)).contains("Goal/" + goal.getIdPart() + "\"");
    await().atMost(Duration.ofSeconds(10)).until(() -> read(subscription).getStatus() == Subscription.SubscriptionStatus.ACTIVE);
    assertThat(read(subscription).hasError()).isFalse();
  }

  @Test
  void aSubscriptionAskingForFullResourcesIsRefused() {
    Subscription full = subscription("Goal?_tag=x", "application/fhir+json");
    full.getChannel().getPayloadElement().addExtension(NotificationSender.PAYLOAD_CONTENT, new CodeType("full-resource"));
    HttpResponse<String> refused = send("POST", "/Subscription", json(full));
    assertThat(refused.statusCode()).isEqualTo(422);
    assertThat(outcome(refused).getIssueFirstRep().getDiagnostics()).contains("id-only");

    HttpResponse<String> plain = send("POST", "/Subscription", json(subscription("Goal?_tag=x", "text/plain")));
    assertThat(plain.statusCode()).isEqualTo(422);
    assertThat(outcome(plain).getIssueFirstRep().getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
  }

  private IdType subscribe(String criteria, String payload) {
    IdType id = create(subscription(criteria, payload));
    await().atMost(Duration.ofSeconds(30)).until(() -> read(id).getStatus() == Subscription.SubscriptionStatus.ACTIVE);
    return id;
  }

  private Subscription subscription(String criteria, String payload) {
    Subscription subscription = new Subscription().setStatus(Subscription.SubscriptionStatus.REQUESTED)
        .setReason("Journalsystemets webhook").setCriteria(criteria);
    subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK).setEndpoint(receiver.url())
        .setPayload(payload);
    return subscription;
  }

  private Subscription read(IdType id) {
    return parse(Subscription.class, get("/Subscription/" + id.getIdPart()));
  }

  private Goal goal(String tag) {
    IdType patient = create(TestPeople.patient());
    Goal goal = new Goal().setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE);
    goal.getDescription().setText(SECRET_TEXT);
    goal.setSubject(new Reference(patient));
    goal.getMeta().addTag(TestPeople.TEST_ID, tag, null);
    return goal;
  }
}
