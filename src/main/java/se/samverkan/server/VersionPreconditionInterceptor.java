package se.samverkan.server;

import se.samverkan.server.errors.PreconditionFailures;
import se.samverkan.server.spi.ServerInterceptor;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/**
 * Optimistic locking as FHIR defines it: an {@code If-Match} that names a version other than the
 * current one fails with 412 Precondition Failed. HAPI's JPA layer reports the mismatch as a 409
 * version conflict, and would crash on a version that is not a number; this interceptor gives
 * both the status the specification asks for.
 *
 * <p>An {@code If-Match} names a version of a resource that exists, so where none does the
 * precondition fails too (RFC 9110 13.1.1), and nothing is created. HAPI applies If-Match only to
 * an update or patch by id, and there only when the resource exists: a conditional update ignores
 * it whether it matches or creates, and so does an update of an id nothing is stored under
 * (UpdateMethodBinding#applyETagAsVersion, BaseHapiFhirResourceDao#doUpdate; in a transaction,
 * BaseTransactionProcessor reads {@code request.ifMatch} of a PUT by id only, HAPI 8.8). So the
 * version the writer named is checked here as the resource is stored: the header of an update or
 * patch, and {@code request.ifMatch} of a transaction's or batch's PUT entry, which travels with
 * the entry's resource. The 409 version conflicts HAPI finds itself are turned into 412 with the
 * other error answers, by {@link PreconditionFailures} in {@code server.errors.ErrorTranslation}.
 */
@Interceptor
public class VersionPreconditionInterceptor implements ServerInterceptor {

  /** An entity tag, strong or weak: {@code "3"} or {@code W/"3"}. */
  private static final Pattern ENTITY_TAG = Pattern.compile("^(?:W/)?\"([^\"]*)\"$");

  /** The version a PUT entry's {@code request.ifMatch} names, on the entry's resource. */
  private static final String ENTRY_IF_MATCH = VersionPreconditionInterceptor.class.getName() + ".ifMatch";

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public boolean checkIfMatchSyntax(RequestDetails request) {
    String ifMatch = request.getHeader(Constants.HEADER_IF_MATCH);
    if (ifMatch != null && !ifMatch.isBlank()) {
      version(ifMatch, Message.IF_MATCH_HEADER_NOT_ENTITY_TAG);
    }
    return true;
  }

  /**
   * Each PUT entry's {@code request.ifMatch}, checked as the header is (HAPI would crash on one
   * that is not a number), goes with the entry's resource to the checks below.
   */
  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
  public void entryVersions(RequestDetails request) {
    RestOperationTypeEnum operation = request.getRestOperationType();
    if ((operation != RestOperationTypeEnum.TRANSACTION && operation != RestOperationTypeEnum.BATCH)
        || !(request.getResource() instanceof Bundle bundle)) {
      return;
    }
    for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
      if (entry.getRequest().hasIfMatch() && entry.getResource() != null) {
        String version = version(entry.getRequest().getIfMatch(), Message.IF_MATCH_ENTRY_NOT_ENTITY_TAG);
        if (entry.getRequest().getMethod() == Bundle.HTTPVerb.PUT) {
          entry.getResource().setUserData(ENTRY_IF_MATCH, version);
        }
      }
    }
  }

  /** An update or patch that names a version finds none: nothing is stored that it could match. */
  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void nothingToMatch(IBaseResource resource, RequestDetails request) {
    String expected = expectedVersion(resource, request);
    if (expected != null) {
      throw new PreconditionFailedException(Messages.english(Message.IF_MATCH_NO_SUCH_RESOURCE, expected));
    }
  }

  /** An update or patch that names a version, of what its condition matched. */
  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void sameVersion(IBaseResource previous, IBaseResource resource, RequestDetails request) {
    String expected = expectedVersion(resource, request);
    String current = previous.getIdElement().hasVersionIdPart()
        ? previous.getIdElement().getVersionIdPart() : previous.getMeta().getVersionId();
    if (expected != null && !expected.equals(current)) {
      throw PreconditionFailures.stale(Messages.english(Message.IF_MATCH_STALE_DETAIL, expected, current));
    }
  }

  /** The version a write named: its entry's {@code request.ifMatch}, or its own If-Match header. */
  private static String expectedVersion(IBaseResource resource, RequestDetails request) {
    if (request == null || request instanceof SystemRequestDetails) {
      return null;
    }
    if (resource.getUserData(ENTRY_IF_MATCH) instanceof String version) {
      return version;
    }
    RestOperationTypeEnum operation = request.getRestOperationType();
    String ifMatch = request.getHeader(Constants.HEADER_IF_MATCH);
    if (request.isSubRequest() || ifMatch == null || ifMatch.isBlank()
        || (operation != RestOperationTypeEnum.UPDATE && operation != RestOperationTypeEnum.PATCH)) {
      return null;
    }
    return version(ifMatch, Message.IF_MATCH_HEADER_NOT_ENTITY_TAG);
  }

  /** The version an entity tag names; 400 for what is no entity tag, 412 for a version that cannot exist. */
  private static String version(String ifMatch, Message notAnEntityTag) {
    Matcher tag = ENTITY_TAG.matcher(ifMatch.trim());
    if (!tag.matches()) {
      throw new InvalidRequestException(Messages.english(notAnEntityTag));
    }
    if (!tag.group(1).matches("[1-9][0-9]{0,18}")) {
      throw new PreconditionFailedException(Messages.english(Message.IF_MATCH_NEVER_HAD, tag.group(1)));
    }
    return tag.group(1);
  }

}
