package se.samverkan.server;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Optimistic locking as FHIR defines it: an {@code If-Match} that names a version other than the
 * current one fails with 412 Precondition Failed. HAPI's JPA layer reports the mismatch as a 409
 * version conflict, and would crash on a version that is not a number; this interceptor gives
 * both the status the specification asks for.
 */
@Interceptor
public class VersionPreconditionInterceptor implements ServerInterceptor {

  /** An entity tag, strong or weak: {@code "3"} or {@code W/"3"}. */
  private static final Pattern ENTITY_TAG = Pattern.compile("^(?:W/)?\"([^\"]*)\"$");

  /**
   * HAPI's codes for "the version you named is not the current one" (update, patch); inside a
   * transaction they come wrapped in another code, so they are looked for anywhere in the message.
   */
  private static final String[] STALE_VERSION_CODES = {"HAPI-0989:", "HAPI-0974:"};

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public boolean checkIfMatchSyntax(RequestDetails request) {
    String ifMatch = request.getHeader(Constants.HEADER_IF_MATCH);
    if (ifMatch == null || ifMatch.isBlank()) {
      return true;
    }
    Matcher tag = ENTITY_TAG.matcher(ifMatch.trim());
    if (!tag.matches()) {
      throw new InvalidRequestException(
          "The If-Match header must be an entity tag such as W/\"3\", as returned in the ETag header");
    }
    if (!tag.group(1).matches("[1-9][0-9]{0,18}")) {
      throw new PreconditionFailedException(
          "If-Match names version \"" + tag.group(1) + "\", which this resource never had:"
              + " versions are positive whole numbers");
    }
    return true;
  }

  @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
  public BaseServerResponseException staleVersionIsPreconditionFailure(
      RequestDetails request, Throwable exception) {
    if (exception instanceof ResourceVersionConflictException conflict
        && (namesStaleVersion(conflict) || isConditionalOnVersion(request))) {
      PreconditionFailedException failure =
          new PreconditionFailedException(
              "The resource has changed since the version named in If-Match: read it again and"
                  + " reapply your change. (" + conflict.getMessage() + ")");
      failure.setStackTrace(conflict.getStackTrace());
      return failure;
    }
    return null;
  }

  private static boolean namesStaleVersion(ResourceVersionConflictException conflict) {
    String message = conflict.getMessage();
    if (message == null) {
      return false;
    }
    for (String code : STALE_VERSION_CODES) {
      if (message.contains(code)) {
        return true;
      }
    }
    return false;
  }

  /** A version conflict on an update or patch the client made conditional on a version. */
  private static boolean isConditionalOnVersion(RequestDetails request) {
    RestOperationTypeEnum operation = request == null ? null : request.getRestOperationType();
    return (operation == RestOperationTypeEnum.UPDATE || operation == RestOperationTypeEnum.PATCH)
        && request.getHeader(Constants.HEADER_IF_MATCH) != null;
  }
}
