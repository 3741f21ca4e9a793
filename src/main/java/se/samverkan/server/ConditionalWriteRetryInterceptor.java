package se.samverkan.server;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.model.ResourceVersionConflictResolutionStrategy;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.hl7.fhir.r4.model.Bundle;

/**
 * The same conditional create or update sent by several clients at once: HAPI's unique index on
 * the match URL lets only one of them store a resource and fails the others with 409 ("conditional
 * constraint failure"), although for them the resource now exists. Retrying such a request runs
 * the condition again, which then finds the winner: the losers get what a conditional create or
 * update promises (200 and the existing resource), and there is still exactly one resource.
 * Requests that name a version (If-Match, in a request or a transaction entry) are never retried:
 * losing those must stay a 412.
 */
@Interceptor
public class ConditionalWriteRetryInterceptor implements ServerInterceptor {

  static final int MAX_RETRIES = 3;

  @Hook(Pointcut.STORAGE_VERSION_CONFLICT)
  public ResourceVersionConflictResolutionStrategy retryConditionalWrites(RequestDetails request) {
    ResourceVersionConflictResolutionStrategy strategy = new ResourceVersionConflictResolutionStrategy();
    if (request != null && isConditionalWithoutVersion(request)) {
      strategy.setRetry(true);
      strategy.setMaxRetries(MAX_RETRIES);
    }
    return strategy;
  }

  private static boolean isConditionalWithoutVersion(RequestDetails request) {
    if (request.getHeader(Constants.HEADER_IF_MATCH) != null) {
      return false;
    }
    RestOperationTypeEnum operation = request.getRestOperationType();
    if (operation == RestOperationTypeEnum.CREATE) {
      return request.getHeader(Constants.HEADER_IF_NONE_EXIST) != null;
    }
    if (operation == RestOperationTypeEnum.UPDATE) {
      return request.getId() == null || !request.getId().hasIdPart(); // PUT Type?criteria
    }
    if (operation == RestOperationTypeEnum.TRANSACTION || operation == RestOperationTypeEnum.BATCH) {
      return request.getResource() instanceof Bundle bundle
          && bundle.getEntry().stream().noneMatch(entry -> entry.getRequest().hasIfMatch());
    }
    return false;
  }
}
