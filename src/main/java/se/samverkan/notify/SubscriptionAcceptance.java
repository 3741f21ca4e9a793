package se.samverkan.notify;

import se.samverkan.server.spi.StorageInterceptor;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Subscription;

/**
 * What makes a Subscription acceptable, in one place (docs/notifications.md). Every write of a
 * Subscription passes these checks in this order; the first that fails refuses the write with 422
 * and its reason:
 * <ol>
 *   <li>its criteria are not on the audit log, and HAPI matches them on the changed resource alone
 *       ({@link SubscriptionCriteriaRule});
 *   <li>its notifications carry no resource content, in FHIR JSON or XML
 *       ({@link SubscriptionPayloadRule});
 *   <li>on a client's write, its endpoint is one the operator allows ({@link SubscriptionEndpointRule},
 *       which checks again at each delivery).
 * </ol>
 * One hook, so that the order is this list's. (The checks were four interceptors, the audit-log
 * one in audit/AuditLogApart, which ran in the order they were registered in: AuditLogApart's
 * first only because its bean was made first.) HAPI's own checks of a Subscription
 * (SubscriptionValidatingInterceptor: status, channel type, criteria) come after these: they hook
 * with order 100 (HAPI 8.8), these with HAPI's default 0.
 */
@Interceptor
public class SubscriptionAcceptance implements StorageInterceptor {

  private final SubscriptionCriteriaRule criteria;
  private final SubscriptionEndpointRule endpoints;

  public SubscriptionAcceptance(SubscriptionCriteriaRule criteria, SubscriptionEndpointRule endpoints) {
    this.criteria = criteria;
    this.endpoints = endpoints;
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource, RequestDetails request) {
    check(resource, request);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
    check(resource, request);
  }

  private void check(IBaseResource resource, RequestDetails request) {
    if (!(resource instanceof Subscription)) {
      return;
    }
    criteria.check(resource);
    SubscriptionPayloadRule.check(resource);
    endpoints.check(resource, request);
  }
}
