package se.samverkan.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.fail;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.List;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.Test;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/**
 * The checks of a Subscription run in one fixed order, so that a Subscription wrong in several ways
 * is always refused for the same reason (the 422 on write is in SubscriptionCriteriaTest,
 * SubscriptionEndpointTest, NotificationDeliveryTest and AuditLogApartTest). No server here: the
 * criteria used need no matcher ({@code AuditEvent} is refused before it is asked, {@code [*]}
 * never asks it).
 */
class SubscriptionAcceptanceTest {

  private final SubscriptionAcceptance acceptance = new SubscriptionAcceptance(
      new SubscriptionCriteriaRule(null, null), new SubscriptionEndpointRule(List.of("http://127.0.0.1:9000"), host -> {
        throw new java.net.UnknownHostException(host);
      }));

  @Test
  void aSubscriptionOnTheAuditLogIsRefusedForThatBeforeItsPayloadAndEndpointAreLookedAt() {
    Subscription wrongEverywhere = subscription("AuditEvent?_security=ETREAT", "full-resource", "http://10.9.9.9/hook");

    assertThat(refusal(wrongEverywhere)).isEqualTo(Messages.english(Message.SUBSCRIPTION_AUDIT_LOG));
  }

  @Test
  void aPayloadWithContentIsRefusedForThatBeforeTheEndpointIsLookedAt() {
    Subscription wrongPayloadAndEndpoint = subscription("[*]", "full-resource", "http://10.9.9.9/hook");

    assertThat(refusal(wrongPayloadAndEndpoint))
        .isEqualTo(Messages.english(Message.SUBSCRIPTION_PAYLOAD_CONTENT, "full-resource"));
  }

  @Test
  void aSubscriptionRightInEveryWayIsAccepted() {
    Subscription right = subscription("[*]", "id-only", "http://127.0.0.1:9000/hook");

    assertThatNoException().isThrownBy(() -> acceptance.created(right, null));
  }

  /** The diagnostics of the 422 that refuses the Subscription. */
  private String refusal(Subscription subscription) {
    try {
      acceptance.created(subscription, null);
    } catch (UnprocessableEntityException refused) {
      return ((OperationOutcome) refused.getOperationOutcome()).getIssueFirstRep().getDiagnostics();
    }
    return fail("accepted, not refused with 422");
  }

  private static Subscription subscription(String criteria, String content, String endpoint) {
    Subscription subscription = new Subscription().setStatus(Subscription.SubscriptionStatus.REQUESTED)
        .setReason("test").setCriteria(criteria);
    subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK).setEndpoint(endpoint)
        .setPayload("application/fhir+json");
    subscription.getChannel().getPayloadElement()
        .addExtension(new Extension(NotificationSender.PAYLOAD_CONTENT, new StringType(content)));
    return subscription;
  }
}
