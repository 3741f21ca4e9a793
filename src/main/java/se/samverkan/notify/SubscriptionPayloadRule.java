package se.samverkan.notify;

import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Subscription;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;
import se.samverkan.server.errors.ErrorOutcomes;

/**
 * A notification never carries resource content (docs/notifications.md): a Subscription asking for
 * {@code full-resource}, or for a payload that is not FHIR JSON or XML, is refused with 422 and
 * the reason. Part of {@link SubscriptionAcceptance}.
 */
final class SubscriptionPayloadRule {

  private static final Set<String> CONTENTS = Set.of("empty", "id-only");

  private SubscriptionPayloadRule() {}

  static void check(IBaseResource resource) {
    if (!(resource instanceof Subscription subscription)) {
      return;
    }
    Subscription.SubscriptionChannelComponent channel = subscription.getChannel();
    if (channel.hasPayload() && EncodingEnum.forContentType(channel.getPayload()) == null) {
      throw refused("Subscription.channel.payload",
          Messages.english(Message.SUBSCRIPTION_PAYLOAD_MIME, channel.getPayload()));
    }
    String content = NotificationSender.content(subscription);
    if (!CONTENTS.contains(content)) {
      throw refused("Subscription.channel.payload.extension",
          Messages.english(Message.SUBSCRIPTION_PAYLOAD_CONTENT, content));
    }
  }

  private static UnprocessableEntityException refused(String expression, String message) {
    OperationOutcome outcome = ErrorOutcomes.withExpression(
        ErrorOutcomes.outcome(OperationOutcome.IssueType.NOTSUPPORTED, message), expression);
    return new UnprocessableEntityException(message, outcome);
  }
}
