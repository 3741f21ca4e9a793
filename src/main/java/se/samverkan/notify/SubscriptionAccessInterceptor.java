package se.samverkan.notify;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import se.samverkan.server.spi.StorageInterceptor;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.subscription.model.CanonicalSubscription;
import ca.uhn.fhir.jpa.subscription.model.ResourceDeliveryMessage;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.HashMap;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import se.samverkan.access.AccessPolicy;
import se.samverkan.auth.Caller;
import se.samverkan.access.Ownership;

/**
 * A subscriber hears only of what it may read: before each delivery the changed resource is put
 * to the {@link AccessPolicy} as if the Subscription's owner (the care provider and unit whose
 * token created it) had read it. Otherwise a kommun could subscribe to {@code Condition?} and learn
 * of every diagnosis the region records. Runs on HAPI's subscription pointcut, outside requests.
 *
 * <p>A subscription whose criteria look into other resources is never notified either: its match
 * was made over all data ({@link SubscriptionCriteriaRule}, which refuses such criteria on write;
 * this covers Subscriptions stored before that rule).
 */
@Interceptor
public class SubscriptionAccessInterceptor implements StorageInterceptor {

  private static final Logger log = LoggerFactory.getLogger(SubscriptionAccessInterceptor.class);

  private final FhirContext fhirContext;
  private final DaoRegistry daos;
  private final AccessPolicy policy;
  private final SubscriptionCriteriaRule criteria;

  public SubscriptionAccessInterceptor(FhirContext fhirContext, DaoRegistry daos, AccessPolicy policy,
      SubscriptionCriteriaRule criteria) {
    this.fhirContext = fhirContext;
    this.daos = daos;
    this.policy = policy;
    this.criteria = criteria;
  }

  @Hook(Pointcut.SUBSCRIPTION_BEFORE_DELIVERY)
  public boolean onlyWhatTheSubscriberMayRead(CanonicalSubscription subscription, ResourceDeliveryMessage delivery) {
    IBaseResource owner = read(subscription.getIdElement(fhirContext));
    IBaseResource changed = delivery.getPayload(fhirContext);
    if (changed == null) {
      changed = read(delivery.getPayloadId(fhirContext));
    }
    if (owner == null || changed == null) {
      return false; // nobody to answer for, or nothing left to judge: no notification
    }
    String careProvider = Ownership.careProvider(owner).orElse(null);
    if (careProvider == null) {
      return true; // the server's own subscriptions
    }
    if (criteria.whyNotMatchedOnTheResourceAlone(subscription.getCriteriaString()).isPresent()) {
      log.info("Notification withheld: Subscription/{} has criteria that look into other resources; "
          + "update its criteria", owner.getIdElement().getIdPart());
      return false;
    }
    Caller subscriber = Caller.owner("Subscription/" + owner.getIdElement().getIdPart(),
        Ownership.unit(owner).orElse(null), careProvider);
    boolean allowed = policy.decide(subscriber, changed, new HashMap<>()).allowed();
    if (!allowed) {
      log.debug("Notification withheld: the subscriber may not read the changed resource");
    }
    return allowed;
  }

  private IBaseResource read(IIdType id) {
    if (id == null || !id.hasIdPart() || !id.hasResourceType()) {
      return null;
    }
    try {
      return daos.getResourceDao(id.getResourceType()).read(id.toUnqualifiedVersionless(), new SystemRequestDetails());
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      return null;
    }
  }
}
