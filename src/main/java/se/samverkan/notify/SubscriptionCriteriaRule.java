package se.samverkan.notify;

import ca.uhn.fhir.jpa.searchparam.matcher.InMemoryMatchResult;
import ca.uhn.fhir.jpa.searchparam.matcher.InMemoryResourceMatcher;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry.SearchParamLookupContextEnum;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Subscription;
import se.samverkan.access.AuditLogPolicy;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;
import se.samverkan.server.errors.ErrorOutcomes;

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
 *
 * <p>Criteria on the audit log ({@code AuditEvent?…}) are refused before that, also with 422: no
 * subscriber may read the log, and AuditEvents never enter the subscription queue
 * (audit/AuditLogApart), so such a Subscription would never be notified. Part of
 * {@link SubscriptionAcceptance}.
 */
public class SubscriptionCriteriaRule {

  private final InMemoryResourceMatcher matcher;
  private final ISearchParamRegistry searchParameters;

  public SubscriptionCriteriaRule(InMemoryResourceMatcher matcher, ISearchParamRegistry searchParameters) {
    this.matcher = matcher;
    this.searchParameters = searchParameters;
  }

  void check(IBaseResource resource) {
    if (!(resource instanceof Subscription subscription) || !subscription.hasCriteria()) {
      return;
    }
    refuseAuditLogCriteria(subscription);
    refuseUnansweredParameters(subscription);
    whyNotMatchedOnTheResourceAlone(subscription.getCriteria()).ifPresent(reason -> {
      String message = Messages.english(Message.SUBSCRIPTION_CRITERIA_JOINED, reason);
      OperationOutcome outcome = ErrorOutcomes.withExpression(
          ErrorOutcomes.outcome(OperationOutcome.IssueType.NOTSUPPORTED, message), "Subscription.criteria");
      throw new UnprocessableEntityException(message, outcome);
    });
  }

  private static void refuseAuditLogCriteria(Subscription subscription) {
    if (AuditLogPolicy.TYPE.equals(subscription.getCriteria().split("[?/]", 2)[0].trim())) {
      String message = Messages.english(Message.SUBSCRIPTION_AUDIT_LOG);
      OperationOutcome outcome = ErrorOutcomes.withExpression(
          ErrorOutcomes.outcome(OperationOutcome.IssueType.NOTSUPPORTED, message), "Subscription.criteria");
      throw new UnprocessableEntityException(message, outcome);
    }
  }

  /**
   * Criteria naming a parameter the server does not answer (storage/DeclaredSearchParameters)
   * could never match: refused by the parameter's name, as a search with it is, rather than
   * accepted and never notified.
   */
  private void refuseUnansweredParameters(Subscription subscription) {
    String criteria = subscription.getCriteria().trim();
    int query = criteria.indexOf('?');
    if (query < 0 || criteria.startsWith("[")) {
      return;
    }
    String type = criteria.substring(0, query);
    Set<String> unanswered = new TreeSet<>();
    for (String pair : criteria.substring(query + 1).split("&")) {
      String name = pair.split("[=:.]", 2)[0];
      if (!name.isEmpty() && !name.startsWith("_")
          && searchParameters.getActiveSearchParam(type, name, SearchParamLookupContextEnum.SEARCH) == null) {
        unanswered.add(name);
      }
    }
    if (!unanswered.isEmpty()) {
      String message = Messages.english(Message.SUBSCRIPTION_CRITERIA_UNKNOWN_PARAMETER, String.join(", ", unanswered));
      OperationOutcome outcome = ErrorOutcomes.withExpression(
          ErrorOutcomes.outcome(OperationOutcome.IssueType.NOTSUPPORTED, message), "Subscription.criteria");
      throw new UnprocessableEntityException(message, outcome);
    }
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
