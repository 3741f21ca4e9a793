package se.samverkan.notify;

import se.samverkan.vocabulary.Vocabulary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import se.samverkan.access.AccessPolicy;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.Journeys;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;
import se.samverkan.support.WebhookReceiver;

/** A subscriber is notified only about what it may read (access control, point 4). */
class SubscriptionAccessTest extends FhirServerTest {

  private static final String KOMMUN_RONNEBY = "SE2120000837-SV1081";

  @RegisterExtension final WebhookReceiver receiver = WebhookReceiver.perTest();

  @Test
  void theKommunHearsOfTheRegionsChangesOnlyForPatientsWhoConsented() {
    loadJourneys();
    String vc = "Bearer " + tokens.token("vc-ronneby", "SE2321000081-SV2081", TestTokens.REGION, "journal-system",
        "system/*.read system/*.write");
    String kommun = "Bearer " + tokens.token("kommun-ronneby", KOMMUN_RONNEBY, KOMMUN_RONNEBY, "journal-system",
        "system/*.read system/*.write");
    IdType kommunOrg = new IdType("Organization", idOf("Organization", Journeys.KOMMUN_RONNEBY));
    String tag = TestPeople.uniqueId();

    IdType consenting = patientWithTeam(vc, kommunOrg, true);
    IdType declining = patientWithTeam(vc, kommunOrg, false);

    Subscription subscription = new Subscription().setStatus(Subscription.SubscriptionStatus.REQUESTED)
        .setReason("Kommunens journalsystem").setCriteria("Goal?_tag=" + TestPeople.TEST_ID + "|" + tag);
    subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK)
        .setEndpoint(receiver.url()).setPayload("application/fhir+json");
    IdType subscriptionId = create(subscription, "Authorization", kommun);
    await().atMost(Duration.ofSeconds(60)).until(() -> parse(Subscription.class,
        get("/" + subscriptionId.getValue(), "Authorization", kommun)).getStatus() == Subscription.SubscriptionStatus.ACTIVE);
    assertThat(get("/" + subscriptionId.getValue(), "Authorization", vc).statusCode())
        .as("another care provider does not see the kommun's subscription").isEqualTo(404);

    IdType hidden = create(goal(declining, tag), "Authorization", vc);
    IdType shared = create(goal(consenting, tag), "Authorization", vc);

    await().atMost(Duration.ofSeconds(60)).until(() -> receiver.delivered().stream().anyMatch(b -> b.contains("Goal/" + shared.getIdPart() + "\"")));
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
        .until(() -> receiver.delivered().stream().noneMatch(b -> b.contains("Goal/" + hidden.getIdPart() + "\"")));
  }

  private IdType patientWithTeam(String authorization, IdType kommunOrg, boolean consent) {
    IdType patient = create(TestPeople.patient(), "Authorization", authorization);
    create(TestData.careTeam(patient, kommunOrg), "Authorization", authorization);
    if (consent) {
      create(TestData.consent(patient, Vocabulary.SHARED_DOCUMENTATION_POLICY, Consent.ConsentProvisionType.PERMIT),
          "Authorization", authorization);
    }
    return patient;
  }

  private static Goal goal(IdType patient, String tag) {
    Goal goal = new Goal().setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE);
    goal.getDescription().setText("Promenera till affären");
    goal.setSubject(new Reference(patient));
    goal.getMeta().addTag(TestPeople.TEST_ID, tag, null);
    return goal;
  }
}
