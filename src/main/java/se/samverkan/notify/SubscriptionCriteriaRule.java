package se.samverkan.notify;

import ca.uhn.fhir.interceptor.api.Hook;
import se.samverkan.server.spi.StorageInterceptor;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.searchparam.matcher.InMemoryMatchResult;
import ca.uhn.fhir.jpa.searchparam.matcher.InMemoryResourceMatcher;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Subscription;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/**
 * A notification is an answer: a Subscription whose criteria look into other resources — chains
 * ({@code Goal?subject:Patient.identifier=…}), {@code _has}, {@code _list} — would be matched by
 * HAPI in the database over all data, so whether a notification about the subscriber's own,
 * visible resource came would tell whether the hidden criteria hold. Such criteria are refused
 * with 422 (docs/notifications.md).
 *
 * <p>The rule is HAPI's own line between criteria it matches in memory — on the changed resource
 * alone, with nothing else loaded — and criteria it matches with a database query: only the first
 * are accepted. That also refuses a few criteria on the resource's own fields that HAPI matches
 * only in the database ({@code _lastUpdated}, {@code near}, token {@code :text}, {@code :above},
 * {@code :below}, {@code :of-type}).
 * Subscriptions stored before this rule are not notified when their criteria fail it
 * ({@link SubscriptionAccessInterceptor}).
 */
@Interceptor
public class SubscriptionCriteriaRule implements StorageInterceptor {

  private final InMemoryResourceMatcher matcher;

  public SubscriptionCriteriaRule(InMemoryResourceMatcher matcher) {
    this.matcher = matcher;
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    check(resource);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource) {
    check(resource);
  }

  private void check(IBaseResource resource) {
    if (!(resource instanceof Subscription subscription) || !subscription.hasCriteria()) {
      return;
    }
    whyNotMatchedOnTheResourceAlone(subscription.getCriteria()).ifPresent(reason -> {
      String message = Messages.english(Message.SUBSCRIPTION_CRITERIA_JOINED, reason);
      OperationOutcome outcome = new OperationOutcome();
      outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
          .setCode(OperationOutcome.IssueType.NOTSUPPORTED).setDiagnostics(message).addExpression("Subscription.criteria");
      throw new UnprocessableEntityException(message, outcome);
    });
  }

  /**
   * Empty when HAPI matches the criteria on the changed resource alone; otherwise why not, naming
   * parameters (never their values: criteria may hold a personnummer).
   */
  public Optional<String> whyNotMatchedOnTheResourceAlone(String criteria) {
    String trimmed = criteria == null ? "" : criteria.trim();
    if (trimmed.startsWith("[")) {
      // HAPI's multi-type form: [*] or [Observation,Patient], accepted only without parameters.
      return trimmed.contains("?") && !trimmed.endsWith("?")
          ? Optional.of(Messages.english(Message.SUBSCRIPTION_CRITERIA_SEVERAL_TYPES)) : Optional.empty();
    }
    try {
      InMemoryMatchResult result = matcher.canBeEvaluatedInMemory(trimmed.contains("?") ? trimmed : trimmed + "?");
      return result.supported() ? Optional.empty() : Optional.of(String.valueOf(result.getUnsupportedReason()));
    } catch (RuntimeException e) {
      return Optional.of(Messages.english(Message.SUBSCRIPTION_CRITERIA_UNREADABLE));
    }
  }
}
