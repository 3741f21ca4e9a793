package se.samverkan.access;

import se.samverkan.auth.Caller;

import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentOperationStatusEnum;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentOutcome;
import ca.uhn.fhir.rest.server.interceptor.consent.IConsentContextServices;
import ca.uhn.fhir.rest.server.interceptor.consent.IConsentService;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Patient;
import se.samverkan.vocabulary.Vocabulary;

/**
 * HAPI's consent hooks, answered by the {@link AccessPolicy}: every resource on its way to a
 * caller — search results before they are counted and paged, included resources, read, history,
 * operations' answers, GETs inside a batch — is dropped unless the caller may read it; outside
 * a protected patient's owning unit, what identifies the person is hidden, and searches on it do
 * not find the patient ({@link ProtectedIdentity}).
 */
public class CareRelationConsentService implements IConsentService {

  static final Set<String> PROTECTED_IDENTITY = Set.of("sekretessmarkering", "skyddadFolkbokforing");
  static final String HIDDEN = "Skyddad uppgift";

  private final AccessPolicy policy;
  private final JoinedCriteria joins;
  private final StoredVersions stored;
  private final ProtectedIdentity identity;

  CareRelationConsentService(AccessPolicy policy, JoinedCriteria joins, StoredVersions stored, ProtectedIdentity identity) {
    this.policy = policy;
    this.joins = joins;
    this.stored = stored;
    this.identity = identity;
  }

  @Override
  public ConsentOutcome startOperation(RequestDetails request, IConsentContextServices context) {
    Caller caller = Caller.of(request);
    if (caller != null && caller.isSystem()) {
      return ConsentOutcome.AUTHORIZED;
    }
    joins.refuseWhatCannotBeChecked(request);
    return ConsentOutcome.PROCEED;
  }

  @Override
  public boolean shouldProcessCanSeeResource(RequestDetails request, IConsentContextServices context) {
    return true;
  }

  @Override
  public ConsentOutcome canSeeResource(RequestDetails request, IBaseResource resource, IConsentContextServices context) {
    if (resource == null) {
      return ConsentOutcome.REJECT; // a deleted resource the search still reached: nothing to show (LoadedResults)
    }
    if (isWrite(request)) {
      // A write looks up what it changes (its target, a conditional match). Hiding that would
      // make HAPI skip the write yet answer 200, or create a duplicate; who may write is the
      // OwnershipInterceptor's to decide, and what the response shows is checked on its way out.
      return ConsentOutcome.PROCEED;
    }
    if (StoredVersions.isDeletionMarker(resource)) {
      // Judged here already, not only on its way out: HAPI drops what is refused at this point
      // from a history's page, but leaves a hole where it is refused later, and a history with a
      // hole fails (HistoryMethodBinding, PersistedJpaBundleProvider#doHistoryInTransaction, 8.8).
      return decide(request, resource) ? ConsentOutcome.PROCEED : ConsentOutcome.REJECT;
    }
    AccessPolicy.Verdict verdict = policy.decide(request, resource);
    boolean visible = verdict.allowed()
        && joins.holdFor(request, resource, other -> policy.decide(request, other).allowed());
    // Left out because the criteria do not hold over what the caller sees: withheld, not shown.
    record(policy, request, resource, visible ? verdict : AccessPolicy.Verdict.DENIED);
    return visible ? ConsentOutcome.PROCEED : ConsentOutcome.REJECT;
  }

  @Override
  public ConsentOutcome willSeeResource(RequestDetails request, IBaseResource resource, IConsentContextServices context) {
    if (!resource.getIdElement().hasResourceType()) {
      // Not a stored resource but one contained in another (stored ones carry "Type/id"): it
      // stands or falls with its container. (HAPI's interceptor cannot drop a contained one: it
      // replaces it while walking the container's list, and fails.) Also in a write's answer, and
      // the server's own answer to a write (Prefer: return=OperationOutcome: HAPI's "created"
      // message and the profile warnings), which was withheld: the client got 204 and no body.
      return ConsentOutcome.PROCEED;
    }
    if (isWrite(request)) {
      // A write is shown what its condition (If-None-Exist, a conditional update, patch or delete,
      // a conditional reference) matched (HAPI's MatchResourceUrlService), and its own answer.
      // What the caller may not see is left out, so that the condition matches as if it were not
      // there: a conditional create then creates the caller's own, a conditional delete deletes
      // nothing. Not recorded as withheld: the caller's own log would name what it may not see.
      return policy.decide(request, resource).allowed() ? ConsentOutcome.PROCEED : ConsentOutcome.REJECT;
    }
    if (!decide(request, resource)) {
      return ConsentOutcome.REJECT;
    }
    IBaseResource shown = resource;
    if (resource instanceof AuditEvent event) {
      shown = AuditLogPolicy.shownTo(event, Caller.of(request));
    }
    if (resource instanceof Patient patient && identity.hiddenFrom(request, patient)) {
      shown = ProtectedIdentity.hide(patient);
    }
    shown = identity.hideDisplays(request, shown);
    return shown == resource ? ConsentOutcome.PROCEED : new ConsentOutcome(ConsentOperationStatusEnum.PROCEED, shown);
  }

  private boolean decide(RequestDetails request, IBaseResource resource) {
    if (StoredVersions.isDeletionMarker(resource)) {
      // A deletion in a history names the resource: shown only to who could see what was deleted.
      Caller caller = Caller.of(request);
      if (caller != null && caller.isSystem()) {
        return true;
      }
      resource = stored.lastContent(resource.getIdElement()).orElse(null);
      if (resource == null) {
        return false;
      }
    }
    return decide(policy, request, resource);
  }

  /** The policy's verdict on one resource for the request's caller, recorded for the audit log. */
  static boolean decide(AccessPolicy policy, RequestDetails request, IBaseResource resource) {
    AccessPolicy.Verdict verdict = policy.decide(request, resource);
    record(policy, request, resource, verdict);
    return verdict.allowed();
  }

  /**
   * As {@link #decide(AccessPolicy, RequestDetails, IBaseResource)}, for what an operation reads and
   * judges before it picks its answer ({@link VisibleResults}): a refusal is recorded now, since
   * data the caller may not see was read for it; what is allowed is recorded as shown when the
   * answer that holds it goes out ({@link #willSeeResource}). Else what the operation read and left
   * out (the patient {@code $worklist} reads past its page to know whether a next one is due, the
   * older values {@code $lastn} passes over) would be named shown in the audit log.
   */
  static boolean decideBeforeAnswer(AccessPolicy policy, RequestDetails request, IBaseResource resource) {
    AccessPolicy.Verdict verdict = policy.decide(request, resource);
    if (!verdict.allowed()) {
      record(policy, request, resource, verdict);
    }
    return verdict.allowed();
  }

  private static void record(AccessPolicy policy, RequestDetails request, IBaseResource resource,
      AccessPolicy.Verdict verdict) {
    AccessRecord.of(request).add(verdict, policy.patientsOf(resource), Ownership.careProvider(resource).orElse(null));
  }

  /** Writes, also as entries of a transaction or batch (those carry the bundle's operation type). */
  static boolean isWrite(RequestDetails request) {
    RestOperationTypeEnum operation = request.getRestOperationType();
    if (operation == null) {
      return false;
    }
    return switch (operation) {
      case CREATE, UPDATE, PATCH, DELETE -> true;
      case TRANSACTION, BATCH -> request.getRequestType() != null && request.getRequestType() != RequestTypeEnum.GET
          && request.isSubRequest();
      default -> false;
    };
  }
}
