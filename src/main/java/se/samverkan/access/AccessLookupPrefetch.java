package se.samverkan.access;

import se.samverkan.server.spi.HookOrder;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.IPreResourceAccessDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;

/**
 * Just before the consent interceptor judges a page of search results or an operation's Bundle
 * resource by resource, looks up the care relations and consents of all their patients in one go
 * ({@link AccessPolicy#prefetch}), and for a history the current versions of its Patients
 * ({@link ProtectedIdentity#prefetch}). Only speed changes: the judging stays with the consent service.
 */
@Interceptor(order = HookOrder.ACCESS_LOOKUPS_PREFETCHED)
public class AccessLookupPrefetch implements se.samverkan.server.spi.ServerInterceptor {

  private final AccessPolicy policy;
  private final ProtectedIdentity identity;

  AccessLookupPrefetch(AccessPolicy policy, ProtectedIdentity identity) {
    this.policy = policy;
    this.identity = identity;
  }

  @Hook(Pointcut.STORAGE_PREACCESS_RESOURCES)
  public void searchResults(RequestDetails request, IPreResourceAccessDetails details) {
    if (request == null || CareRelationConsentService.isWrite(request)) {
      return;
    }
    LoadedResults page = LoadedResults.of(details);
    List<IBaseResource> resources = new ArrayList<>(page.size());
    for (int i = 0; i < page.size(); i++) {
      resources.add(page.getResource(i)); // null where a deleted resource matched: looked up by nobody
    }
    policy.prefetch(request, resources);
    identity.prefetch(request, resources);
  }

  @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
  public void response(RequestDetails request, ResponseDetails response) {
    if (response.getResponseResource() instanceof Bundle bundle && !CareRelationConsentService.isWrite(request)) {
      List<IBaseResource> resources = bundle.getEntry().stream().<IBaseResource>map(Bundle.BundleEntryComponent::getResource).toList();
      policy.prefetch(request, resources);
      identity.prefetch(request, resources);
    }
  }
}
