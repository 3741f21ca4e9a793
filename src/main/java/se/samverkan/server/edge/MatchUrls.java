package se.samverkan.server.edge;

import se.samverkan.server.spi.HookOrder;

import se.samverkan.server.spi.ServerInterceptor;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;
import se.samverkan.server.errors.ErrorOutcomes;

/**
 * A query string, wherever it comes from, is read one way: the request's own (checked by
 * {@link MalformedUrlFilter} before HAPI sees it) and the match URLs a request carries inside —
 * {@code If-None-Exist}, a transaction or batch entry's {@code request.url} and
 * {@code request.ifNoneExist}, and conditional references ({@code Patient?identifier=…}). A broken
 * %-escape in one of those answered 500 ({@code If-None-Exist: identifier=%zz}: URLDecoder in
 * ConditionalWriteInterceptor) or was searched for literally (HAPI's MatchUrlUtil#translateMatchUrl,
 * 8.8, decodes leniently: {@code %zz} stays {@code %zz}, {@code %ff} becomes U+FFFD). Now each is
 * refused with 400 and the malformed query string's message, before any interceptor or HAPI
 * reads it.
 */
@Interceptor
public class MatchUrls implements ServerInterceptor {

  /** Said for a malformed query string, the request's own or a match URL's; safe to answer with. */
  public static final String MALFORMED_QUERY = Messages.english(Message.QUERY_MALFORMED);

  private final FhirContext fhirContext;

  public MatchUrls(FhirContext fhirContext) {
    this.fhirContext = fhirContext;
  }

  /**
   * Before every other interceptor that reads a condition (ConditionalWriteInterceptor locks them,
   * TransactionConditions narrows them) and before HAPI resolves any.
   */
  @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = HookOrder.MALFORMED_MATCH_URLS_REFUSED)
  public void checkMatchUrls(RequestDetails request) {
    String ifNoneExist = request.getHeader(Constants.HEADER_IF_NONE_EXIST);
    if (ifNoneExist != null) {
      check(ifNoneExist, Message.QUERY_MALFORMED_IN_IF_NONE_EXIST);
    }
    IBaseResource resource = request.getResource();
    if (resource instanceof Bundle bundle && bundle.getType() != null
        && (bundle.getType() == Bundle.BundleType.TRANSACTION || bundle.getType() == Bundle.BundleType.BATCH)) {
      List<Bundle.BundleEntryComponent> entries = bundle.getEntry();
      for (int i = 0; i < entries.size(); i++) {
        Bundle.BundleEntryRequestComponent entry = entries.get(i).getRequest();
        if (entry.getUrl() != null) {
          check(entry.getUrl(), Message.QUERY_MALFORMED_IN_ENTRY_URL, i);
        }
        if (entry.getIfNoneExist() != null) {
          check(entry.getIfNoneExist(), Message.QUERY_MALFORMED_IN_ENTRY_IF_NONE_EXIST, i);
        }
        checkReferences(entries.get(i).getResource(), Message.QUERY_MALFORMED_IN_ENTRY_REFERENCE, i);
      }
    } else {
      checkReferences(resource, Message.QUERY_MALFORMED_IN_REFERENCE);
    }
  }

  private void checkReferences(IBaseResource resource, Message where, Object... at) {
    if (resource == null) {
      return;
    }
    for (IBaseReference reference : fhirContext.newTerser().getAllPopulatedChildElementsOfType(resource, IBaseReference.class)) {
      String value = reference.getReferenceElement().getValue();
      if (isConditionalReference(value)) {
        check(value, where, at);
      }
    }
  }

  /**
   * A reference HAPI resolves by searching: {@code Type?criteria}. Not a local one ({@code #x}) nor
   * one with a scheme ({@code urn:uuid:…}, {@code https://…?x}), which name what they refer to.
   */
  public static boolean isConditionalReference(String reference) {
    return reference != null && reference.contains("?") && !reference.startsWith("#")
        && !reference.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*");
  }

  /**
   * Refuses a match URL (or a bare query) whose query string is malformed; says {@code where} it
   * was (one of the {@code QUERY_MALFORMED_IN_*} messages, {@code at} its entry's index).
   */
  static void check(String matchUrl, Message where, Object... at) {
    int query = matchUrl.indexOf('?');
    if (!wellFormedQuery(query < 0 ? matchUrl : matchUrl.substring(query + 1))) {
      // The URL itself is not repeated: its values may be personal data (identifier=personnummer).
      Object[] arguments = new Object[at.length + 1];
      arguments[0] = MALFORMED_QUERY;
      System.arraycopy(at, 0, arguments, 1, at.length);
      String message = Messages.english(where, arguments);
      // Issue code "invalid", as for the request's own.
      OperationOutcome outcome = ErrorOutcomes.outcome(OperationOutcome.IssueType.INVALID, message);
      throw new InvalidRequestException(message, outcome);
    }
  }

  /**
   * The decoded form of a match URL, for comparing conditions however they were encoded; a
   * malformed one is refused as {@link #check} refuses it. {@code +} stays a plus sign, as HAPI
   * reads it in a condition.
   */
  public static String decoded(String matchUrl, Message where) {
    check(matchUrl, where);
    return URLDecoder.decode(matchUrl.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** Whether every %-escape is complete and the escaped bytes are UTF-8. */
  static boolean wellFormedQuery(String query) {
    if (query == null || query.indexOf('%') < 0) {
      return true;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(query.length());
    for (int i = 0; i < query.length(); i++) {
      char c = query.charAt(i);
      if (c != '%') {
        bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
        continue;
      }
      if (i + 2 >= query.length()) {
        return false;
      }
      int high = Character.digit(query.charAt(i + 1), 16);
      int low = Character.digit(query.charAt(i + 2), 16);
      if (high < 0 || low < 0) {
        return false;
      }
      bytes.write(high * 16 + low);
      i += 2;
    }
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
