package se.samverkan.server.errors;

import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/**
 * A write that named a version other than the current one fails with 412 Precondition Failed, as
 * FHIR asks; HAPI's JPA layer reports it as a 409 version conflict. The checks of the If-Match
 * header and of a transaction entry's {@code request.ifMatch} are in
 * {@code server.VersionPreconditionInterceptor}, which answers with {@link #stale} too; this is the
 * second of {@link ErrorTranslation}'s rules, for the conflicts HAPI finds itself.
 */
public final class PreconditionFailures {

  /**
   * HAPI's codes for "the version you named is not the current one" (update, patch); inside a
   * transaction they come wrapped in another code, so they are looked for anywhere in the message.
   */
  private static final String[] STALE_VERSION_CODES = {"HAPI-0989:", "HAPI-0974:"};

  private PreconditionFailures() {}

  /** The answer to a write whose version is not the current one; {@code detail} says which. */
  public static PreconditionFailedException stale(String detail) {
    return new PreconditionFailedException(Messages.english(Message.IF_MATCH_STALE, detail));
  }

  /** 412 for HAPI's version conflict on a write the client made conditional on a version; null otherwise. */
  static BaseServerResponseException translate(RequestDetails request, Throwable exception) {
    if (exception instanceof ResourceVersionConflictException conflict
        && (namesStaleVersion(conflict) || isConditionalOnVersion(request))) {
      PreconditionFailedException failure = stale(conflict.getMessage());
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
