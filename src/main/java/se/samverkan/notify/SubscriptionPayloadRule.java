package se.samverkan.notify;

import ca.uhn.fhir.interceptor.api.Hook;
import se.samverkan.server.spi.StorageInterceptor;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Subscription;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/**
 * A notification never carries resource content (docs/notifications.md): a Subscription asking for
 * {@code full-resource}, or for a payload that is not FHIR JSON or XML, is refused with 422 and
 * the reason.
 */
@Interceptor
public class SubscriptionPayloadRule implements StorageInterceptor {

  private static final Set<String> CONTENTS = Set.of("empty", "id-only");

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    check(resource);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource) {
    check(resource);
  }

  private static void check(IBaseResource resource) {
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
    OperationOutcome outcome = new OperationOutcome();
    outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
        .setCode(OperationOutcome.IssueType.NOTSUPPORTED).setDiagnostics(message).addExpression(expression);
    return new UnprocessableEntityException(message, outcome);
  }
}
