package se.samverkan.access;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * For operations that search as the server and then reduce what they found ({@code $lastn}: the
 * newest per patient and code; {@code $worklist}: patients by their teams, each with the latest
 * frailty score): what the caller may not see must go before the reduction, not after it, or a
 * hidden newer resource would push out a visible older one (a hidden team put a patient on the
 * list) and so be noticed.
 * Decides as the {@link AccessPolicy} does for every answer, and records a refusal for the audit
 * log; the answer is checked again on its way out as every answer is, and what it shows is
 * recorded then.
 */
public class VisibleResults {

  private final AccessPolicy policy;

  public VisibleResults(AccessPolicy policy) {
    this.policy = policy;
  }

  /** Those of {@code found} the request's caller may read, in their order. */
  public List<IBaseResource> of(RequestDetails request, List<IBaseResource> found) {
    policy.prefetch(request, found);
    List<IBaseResource> visible = new ArrayList<>(found.size());
    for (IBaseResource resource : found) {
      if (CareRelationConsentService.decideBeforeAnswer(policy, request, resource)) {
        visible.add(resource);
      }
    }
    return visible;
  }
}
