package se.samverkan.access;

import se.samverkan.server.spi.HookOrder;

import se.samverkan.auth.Caller;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import se.samverkan.server.spi.ServerInterceptor;

/**
 * A write's condition (If-None-Exist, conditional update, patch or delete, conditional reference)
 * that matches the caller's own resources matches only those. Without this, another party that
 * shares a Patient with the same personnummer — by mistake or on purpose — would make every
 * conditional write of the patient's own care provider fail with 412 "multiple matches". What the
 * caller may not see is left out after this, by the consent service ({@link CareRelationConsentService}).
 */
@Interceptor(order = HookOrder.OWN_MATCHES_FIRST)
public class OwnMatchesFirst implements ServerInterceptor {

  @Hook(Pointcut.STORAGE_PRESHOW_RESOURCES)
  public void ownFirst(RequestDetails request, IPreResourceShowDetails matches) {
    Caller caller = Caller.of(request);
    if (request == null || caller == null || caller.isSystem() || !CareRelationConsentService.isWrite(request)
        || matches.size() < 2) {
      return;
    }
    boolean anyOwn = false;
    for (int i = 0; i < matches.size(); i++) {
      anyOwn |= isOwn(caller, matches, i);
    }
    if (anyOwn) {
      for (int i = 0; i < matches.size(); i++) {
        if (!isOwn(caller, matches, i)) {
          matches.setResource(i, null);
        }
      }
    }
  }

  private static boolean isOwn(Caller caller, IPreResourceShowDetails matches, int i) {
    return matches.getResource(i) != null
        && Ownership.careProvider(matches.getResource(i)).map(caller.careProvider()::equals).orElse(false);
  }
}
