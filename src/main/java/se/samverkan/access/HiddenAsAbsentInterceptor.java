package se.samverkan.access;

import se.samverkan.server.spi.HookOrder;

import se.samverkan.auth.Caller;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;
import se.samverkan.server.errors.ErrorOutcomes;
import se.samverkan.server.spi.ServerInterceptor;

/**
 * A resource the caller may not see answers exactly as one that was never stored: for a request
 * about one resource (read, vread, its history, {@code $everything}, {@code $meta},
 * {@code $validate?mode=delete}, and each of those as a GET in a batch), before HAPI runs, the
 * resource is looked up as the server and judged by the {@link AccessPolicy} on its newest
 * content; if nothing is stored under the id, or the caller may not see it, the answer is the one
 * 404 {@link #notKnown}. A deleted resource is judged by what it was before the deletion: only who
 * could see it is told that it is gone (410).
 *
 * <p>HAPI's own 404 and 410 answers to what the caller may see keep their text without HAPI's
 * message codes.
 */
@Interceptor(order = HookOrder.HIDDEN_AS_ABSENT)
public class HiddenAsAbsentInterceptor implements ServerInterceptor {

  /** Instance operations about something else than the resource's content: not judged here. */
  private static final Set<String> NOT_ABOUT_CONTENT = Set.of("$access-log");
  private static final Pattern HAPI_CODE = Pattern.compile("^HAPI-\\d{4}: ?");

  private final AccessPolicy policy;
  private final StoredVersions stored;

  HiddenAsAbsentInterceptor(AccessPolicy policy, StoredVersions stored) {
    this.policy = policy;
    this.stored = stored;
  }

  /** The one answer for a resource that is not there for the caller. */
  static ResourceNotFoundException notKnown(IIdType id) {
    return new ResourceNotFoundException(Messages.english(Message.NOT_KNOWN, id.getResourceType() + "/" + id.getIdPart()));
  }

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
  public void hideWhatTheCallerMayNotSee(RequestDetails request) {
    if (!aboutOneResource(request)) {
      return;
    }
    Caller caller = Caller.of(request);
    if (caller == null || caller.isSystem()) {
      return;
    }
    IIdType id = request.getId().hasResourceType() ? request.getId() : request.getId().withResourceType(request.getResourceName());
    Optional<IBaseResource> content = stored.lastContent(id);
    if (content.isEmpty()) {
      throw notKnown(id);
    }
    AccessPolicy.Verdict verdict = policy.decide(request, content.get());
    if (!verdict.allowed()) {
      AccessRecord.of(request).add(verdict, policy.patientsOf(content.get()),
          Ownership.careProvider(content.get()).orElse(null));
      throw notKnown(id);
    }
  }

  private static boolean aboutOneResource(RequestDetails request) {
    RestOperationTypeEnum operation = request.getRestOperationType();
    if (operation == null || request.getId() == null || !request.getId().hasIdPart() || request.getResourceName() == null) {
      return false;
    }
    if (AuditLogPolicy.TYPE.equals(request.getResourceName())) {
      return false; // the log has its own store, which answers an event the reviewer may not read as absent
    }
    return switch (operation) {
      case READ, VREAD, HISTORY_INSTANCE, META -> true;
      case EXTENDED_OPERATION_INSTANCE -> !NOT_ABOUT_CONTENT.contains(request.getOperation())
          && (!"$validate".equals(request.getOperation()) || isDeleteMode(request));
      default -> false;
    };
  }

  /** {@code $validate} judges the stored resource only in mode delete; otherwise the body sent. */
  private static boolean isDeleteMode(RequestDetails request) {
    String[] mode = request.getParameters() == null ? null : request.getParameters().get("mode");
    if (mode != null && mode.length > 0) {
      return "delete".equals(mode[0]);
    }
    if (request.getRequestType() == RequestTypeEnum.GET) {
      return false;
    }
    // POST: the mode may be a parameter of a Parameters body.
    try {
      EncodingEnum encoding = RestfulServerUtils.determineRequestEncodingNoDefault(request);
      byte[] body = request.loadRequestContents();
      if (encoding == null || body == null || body.length == 0) {
        return false;
      }
      IBaseResource parsed = encoding.newParser(request.getFhirContext())
          .parseResource(new String(body, java.nio.charset.StandardCharsets.UTF_8));
      return parsed instanceof Parameters parameters && parameters.getParameter().stream()
          .anyMatch(p -> "mode".equals(p.getName()) && p.getValue() != null && "delete".equals(p.getValue().primitiveValue()));
    } catch (RuntimeException unreadable) {
      return false; // HAPI refuses the body itself
    }
  }

  /**
   * A delete refused because other data refers to the resource names those referrers, one issue
   * each (DeleteConflictUtil, HAPI 8.8; storage/ReferentialIntegrity): those the caller may not
   * see are not named. That something it may not see refers to the resource is what the refusal
   * itself tells, and is said once, without type, id or number. Before the error translation
   * (HookOrder#HIDDEN_AS_ABSENT_ANSWERS says why).
   */
  @Hook(value = Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION, order = HookOrder.HIDDEN_AS_ABSENT_ANSWERS)
  public BaseServerResponseException unnamedHiddenReferrers(RequestDetails request, Throwable exception) {
    Caller caller = Caller.of(request);
    if (!(exception instanceof ResourceVersionConflictException conflict) || caller == null || caller.isSystem()
        || !(conflict.getOperationOutcome() instanceof OperationOutcome outcome)) {
      return null;
    }
    // HAPI's outcome holds nothing but its issues (DeleteConflictUtil, 8.8): a copy without the hidden ones.
    OperationOutcome shown = outcome.copy();
    String target = null;
    for (Iterator<OperationOutcome.OperationOutcomeIssueComponent> issues = shown.getIssue().iterator(); issues.hasNext(); ) {
      OperationOutcome.OperationOutcomeIssueComponent issue = issues.next();
      Matcher referrer = REFERRED_TO.matcher(issue.getDiagnostics() == null ? "" : issue.getDiagnostics());
      if (referrer.find()) {
        Optional<IBaseResource> content = stored.lastContent(new IdType(referrer.group(2)));
        if (content.isEmpty() || !policy.decide(request, content.get()).allowed()) {
          target = referrer.group(1);
          issues.remove();
        }
      }
    }
    if (target == null) {
      return null;
    }
    ErrorOutcomes.addIssue(shown, OperationOutcome.IssueType.PROCESSING,
        Messages.english(Message.DELETE_REFERRED_BY_HIDDEN, target));
    ResourceVersionConflictException replaced =
        new ResourceVersionConflictException(shown.getIssueFirstRep().getDiagnostics(), shown);
    replaced.initCause(exception);
    return replaced;
  }

  /** HAPI's words for one resource referring to another it is asked to delete (DeleteConflictUtil, 8.8). */
  private static final Pattern REFERRED_TO = Pattern.compile("Unable to delete (\\S+) because at least one resource"
      + " has a reference to this resource\\. First reference found was resource (\\S+) in path ");

  /** HAPI's 404 and 410 texts without its message codes ("HAPI-0979: "); before the error translation. */
  @Hook(value = Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION, order = HookOrder.HIDDEN_AS_ABSENT_ANSWERS)
  public BaseServerResponseException plainNotFound(RequestDetails request, Throwable exception) {
    if (exception instanceof ResourceNotFoundException || exception instanceof ResourceGoneException) {
      BaseServerResponseException answer = (BaseServerResponseException) exception;
      String message = answer.getMessage();
      if (message != null && HAPI_CODE.matcher(message).find()) {
        String plain = HAPI_CODE.matcher(message).replaceFirst("");
        BaseServerResponseException replaced = exception instanceof ResourceGoneException gone
            ? withId(new ResourceGoneException(plain), gone)
            : new ResourceNotFoundException(plain);
        replaced.initCause(exception);
        return replaced;
      }
    }
    return null;
  }

  private static ResourceGoneException withId(ResourceGoneException plain, ResourceGoneException original) {
    plain.setResourceId(original.getResourceId());
    return plain;
  }
}
