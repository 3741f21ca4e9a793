package se.samverkan.notify;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.subscription.match.matcher.subscriber.SubscriptionCriteriaParser;
import ca.uhn.fhir.jpa.subscription.match.registry.ActiveSubscription;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionRegistry;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import ca.uhn.fhir.rest.server.messaging.BaseResourceMessage;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Subscription;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import se.samverkan.server.spi.ChangeConsumer;
import se.samverkan.server.spi.StorageInterceptor;

/**
 * Leaves out of HAPI's subscription pipeline a change that no subscription can match and no
 * {@link ChangeConsumer} needs (issue 20).
 *
 * <p>HAPI records every change in HFJ_RES_MOD inside the writing transaction
 * (SubscriptionMatcherInterceptor#processResourceModifiedEvent, then
 * ResourceModifiedMessagePersistenceSvcImpl#persist); its job hands the records to matching
 * (AsyncResourceModifiedSubmitterSvc, ResourceModifiedSubmitterSvc#submitPersisedResourceModifiedMessage,
 * which deletes the record), and the matcher first reads the resource again through its DAO
 * (SubscriptionMatchingListener#matchActiveSubscriptionsAndDeliver →
 * ResourceModifiedMessagePersistenceSvcImpl#inflateResourceModifiedMessageFromEntity →
 * IFhirResourceDao#read) and only then asks each active subscription whether the resource's type is
 * its type (#resourceTypeIsAppropriateForSubscription), all HAPI 8.8. So with no subscription on
 * Observations, every stored Observation was still inserted, selected, deleted, read and parsed
 * again. HAPI 8.8 has no setting for this (SubscriptionSettings names no resource types); its way
 * is this pointcut: a SUBSCRIPTION_RESOURCE_MODIFIED hook that answers false ends the change's way
 * before it is recorded.
 *
 * <p>A change goes on when any of these holds:
 * <ul>
 *   <li>it is a Subscription (HAPI activates and registers subscriptions from their changes);
 *   <li>the server has not finished starting: HAPI loads the active subscriptions into its
 *       {@link SubscriptionRegistry} on ContextRefreshedEvent (BaseResourceCacheSynchronizer#registerListener,
 *       order 310, HAPI 8.8), after the web server has begun to accept requests;
 *   <li>a subscription in the registry can match its type, or has criteria whose types we cannot
 *       read ({@code [*]}, none, anything HAPI's parser does not make a search or a type list of);
 *   <li>a Subscription written on this server, active or requested, is not yet in the registry
 *       with the criteria it was written with, and can match the type (below);
 *   <li>a {@link ChangeConsumer} (the coordination rules) needs it.
 * </ul>
 *
 * <p><b>How stale.</b> The registry learns of a Subscription only when HAPI's job hands its change
 * over (every second here, SubscriptionConfig), and of a {@code requested} one only one round
 * later, when HAPI has activated it (SubscriptionActivatingListener writes it again). Asked alone,
 * it would miss the changes of that second or two. So every Subscription change that passes here
 * is noted at once, in the writing transaction, and its criteria count as the registry's until the
 * registry holds that Subscription with the same criteria: a change stored after a Subscription is
 * written is kept for it. Only a Subscription written outside this server, straight into the
 * database, waits for HAPI's own reload of the registry (60 s, BaseResourceCacheSynchronizer#REFRESH_INTERVAL);
 * Samverkan runs as one instance (docs/notifications.md). A noted Subscription that never reaches
 * the registry (its transaction rolled back, HAPI refused to activate it) only keeps its types in
 * the pipeline, as before, until it is deleted, set off or the server restarts. A Subscription set
 * to {@code off} or {@code error} is forgotten at once; HAPI unregisters it when its change is
 * handed over, and changes stored meanwhile for it alone are left out — HAPI would not deliver them
 * either (docs/notifications.md: no queueing while {@code error}).
 */
@Interceptor
public class UnmatchableChangesSkipped implements StorageInterceptor {

  private static final String SUBSCRIPTION = "Subscription";

  private final FhirContext fhirContext;
  private final SubscriptionRegistry registry;
  private final List<ChangeConsumer> consumers;
  /** Subscriptions written here and not yet registered with these criteria: id part → criteria. */
  private final Map<String, String> noted = new ConcurrentHashMap<>();
  private volatile boolean registryLoaded;

  public UnmatchableChangesSkipped(FhirContext fhirContext, SubscriptionRegistry registry,
      List<ChangeConsumer> consumers) {
    this.fhirContext = fhirContext;
    this.registry = registry;
    this.consumers = List.copyOf(consumers);
  }

  /** After HAPI's own listener (order 310) has loaded the registry. */
  @EventListener(ContextRefreshedEvent.class)
  @Order(Ordered.LOWEST_PRECEDENCE)
  public void registryLoaded() {
    registryLoaded = true;
  }

  @Hook(Pointcut.SUBSCRIPTION_RESOURCE_MODIFIED) // our only hook there: no order to keep
  public boolean queueIfMatchable(ResourceModifiedMessage change) {
    IIdType id = change.getPayloadId(fhirContext);
    if (id == null || !id.hasResourceType()) {
      return true;
    }
    String type = id.getResourceType();
    if (SUBSCRIPTION.equals(type)) {
      note(change, id);
      return true;
    }
    if (!registryLoaded || registered(type) || notedMayMatch(type)) {
      return true;
    }
    for (ChangeConsumer consumer : consumers) {
      if (consumer.needs(change)) {
        return true;
      }
    }
    return false;
  }

  private boolean registered(String type) {
    for (ActiveSubscription active : registry.getAll()) {
      if (mayMatch(active.getCriteria(), type)) {
        return true;
      }
    }
    return false;
  }

  private boolean notedMayMatch(String type) {
    for (Map.Entry<String, String> entry : noted.entrySet()) {
      SubscriptionCriteriaParser.SubscriptionCriteria criteria = parse(entry.getValue());
      ActiveSubscription active = registry.get(entry.getKey());
      if (criteria != null && active != null && active.getCriteria() != null
          && criteria.getCriteria().equals(active.getCriteria().getCriteria())) {
        // The registry has caught up; from now on it answers for this Subscription.
        noted.remove(entry.getKey(), entry.getValue());
        continue;
      }
      if (mayMatch(criteria, type)) {
        return true;
      }
    }
    return false;
  }

  /** HAPI's reading of criteria (as ActiveSubscription#getCriteria); null when it cannot read them. */
  private static SubscriptionCriteriaParser.SubscriptionCriteria parse(String criteria) {
    try {
      return SubscriptionCriteriaParser.parse(criteria);
    } catch (RuntimeException unreadable) {
      return null;
    }
  }

  /** Whether a subscription with these criteria may match a resource of this type. */
  private static boolean mayMatch(SubscriptionCriteriaParser.SubscriptionCriteria criteria, String type) {
    if (criteria == null || criteria.getType() == null) {
      return true;
    }
    return switch (criteria.getType()) {
      case SEARCH_EXPRESSION, MULTITYPE_EXPRESSION -> criteria.getApplicableResourceTypes() == null
          || criteria.getApplicableResourceTypes().contains(type);
      default -> true;
    };
  }

  private void note(ResourceModifiedMessage change, IIdType id) {
    if (!id.hasIdPart()) {
      return;
    }
    if (change.getOperationType() == BaseResourceMessage.OperationTypeEnum.DELETE) {
      noted.remove(id.getIdPart());
      return;
    }
    IBaseResource resource = change.getResource(fhirContext);
    if (!(resource instanceof Subscription subscription)) {
      return;
    }
    Subscription.SubscriptionStatus status = subscription.getStatus();
    if (status == Subscription.SubscriptionStatus.ACTIVE || status == Subscription.SubscriptionStatus.REQUESTED) {
      noted.put(id.getIdPart(), subscription.hasCriteria() ? subscription.getCriteria() : "");
    } else {
      noted.remove(id.getIdPart());
    }
  }
}
