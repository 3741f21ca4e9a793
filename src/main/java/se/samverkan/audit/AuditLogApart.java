package se.samverkan.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import se.samverkan.server.spi.StorageInterceptor;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import ca.uhn.fhir.util.SearchParameterUtil;
import java.util.HashSet;
import java.util.Set;
import se.samverkan.access.AuditLogPolicy;

/**
 * The audit log is about the record, not part of it. Every request writes an AuditEvent naming
 * the patients it touched, so a much-read patient gathers thousands of them, and HAPI would:
 * <ul>
 *   <li>put all of them in {@code Patient/$everything} (AuditEvent is in the patient compartment),
 *       to be loaded and then withheld from everyone but log reviewers — time and memory that grew
 *       with every request about the patient (docs/performance.md);</li>
 *   <li>queue each of them for subscription matching (a row in HFJ_RESOURCE_MODIFIED and a pass
 *       of the matcher and the coordination rules) on every request, for no subscriber: journal
 *       systems may not read the audit log.</li>
 * </ul>
 * So {@code $everything} leaves AuditEvents out and AuditEvents never enter the subscription queue
 * (a Subscription on AuditEvent, which could thus never be notified, is refused with 422 by
 * notify/SubscriptionCriteriaRule: what a Subscription must be is notify's business). Log reviewers
 * search the log and use {@code Patient/$access-log} (docs/security.md).
 */
@Interceptor
public class AuditLogApart implements StorageInterceptor {

  private final FhirContext fhirContext;

  public AuditLogApart(FhirContext fhirContext) {
    this.fhirContext = fhirContext;
    leaveOutOfEverything();
  }

  /**
   * HAPI's Patient/$everything query excludes the resource types of this map (Group and List, by
   * HAPI) in its SQL. Adding AuditEvent there is cheap, where a {@code _type} list of every other
   * type made HAPI run one include query per type and $everything slower still. Filled once at
   * start-up, before any request reads it.
   */
  private static void leaveOutOfEverything() {
    SearchParameterUtil.RESOURCE_TYPES_TO_SP_TO_OMIT_FROM_PATIENT_COMPARTMENT
        .computeIfAbsent(AuditLogPolicy.TYPE, type -> new HashSet<>()).addAll(Set.of("patient", "agent", "entity"));
  }

  @Hook(Pointcut.SUBSCRIPTION_RESOURCE_MODIFIED)
  public boolean queueUnlessAuditEvent(ResourceModifiedMessage change) {
    return !change.hasResourceType(fhirContext, AuditLogPolicy.TYPE);
  }
}
