package se.samverkan.security;

import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentOperationStatusEnum;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentOutcome;
import ca.uhn.fhir.rest.server.interceptor.consent.IConsentContextServices;
import ca.uhn.fhir.rest.server.interceptor.consent.IConsentService;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Patient;

/**
 * HAPI's consent hooks, answered by the {@link AccessPolicy}: every resource on its way to a
 * caller — search results before they are counted and paged, included resources, read, history,
 * operations' answers, GETs inside a batch — is dropped unless the caller may read it; a
 * Patient with protected identity loses name, address and contact details for everyone outside
 * the owning unit.
 */
public class CareRelationConsentService implements IConsentService {

  /** HL7 Sweden's security labels for protected identity (OSL 22 kap. 1 §, Skatteverket). */
  static final String SECURITY_LABELS = "http://hl7.se/fhir/ig/base/CodeSystem/SecurityLabel";
  static final Set<String> PROTECTED_IDENTITY = Set.of("sekretessmarkering", "skyddadFolkbokforing");
  static final String HIDDEN = "Skyddad uppgift";

  private final AccessPolicy policy;
  private final JoinedCriteria joins;

  CareRelationConsentService(AccessPolicy policy, JoinedCriteria joins) {
    this.policy = policy;
    this.joins = joins;
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
    if (isWrite(request)) {
      // A write looks up what it changes (its target, a conditional match). Hiding that would
      // make HAPI skip the write yet answer 200, or create a duplicate; who may write is the
      // OwnershipInterceptor's to decide, and what the response shows is checked on its way out.
      return ConsentOutcome.PROCEED;
    }
    boolean visible = decide(request, resource)
        && joins.holdFor(request, resource, other -> policy.decide(request, other).allowed());
    return visible ? ConsentOutcome.PROCEED : ConsentOutcome.REJECT;
  }

  @Override
  public ConsentOutcome willSeeResource(RequestDetails request, IBaseResource resource, IConsentContextServices context) {
    if (isWrite(request) && !decide(request, resource)) {
      // A conditional create or update matched a resource the caller may not see. Withheld, HAPI
      // would take it for "no match" and create a duplicate; shown, it would answer with the
      // other owner's content. Neither: say that it exists, nothing more.
      throw new PreconditionFailedException("A resource matching the condition exists, but it is not yours to see "
          + "or change; ask its owner, or use a condition only your own data matches");
    }
    if (!resource.getIdElement().hasResourceType()) {
      // Not a stored resource but one contained in another (stored ones carry "Type/id"): it
      // stands or falls with its container. (HAPI's interceptor cannot drop a contained one.)
      return ConsentOutcome.PROCEED;
    }
    if (!decide(request, resource)) {
      return ConsentOutcome.REJECT;
    }
    if (resource instanceof Patient patient && isProtected(patient) && !sameUnit(request, patient)) {
      return new ConsentOutcome(ConsentOperationStatusEnum.PROCEED, hideIdentity(patient));
    }
    return ConsentOutcome.PROCEED;
  }

  private boolean decide(RequestDetails request, IBaseResource resource) {
    return decide(policy, request, resource);
  }

  /** The policy's verdict on one resource for the request's caller, recorded for the audit log. */
  static boolean decide(AccessPolicy policy, RequestDetails request, IBaseResource resource) {
    AccessPolicy.Verdict verdict = policy.decide(request, resource);
    AccessRecord.of(request).add(verdict, policy.patientsOf(resource), Ownership.careProvider(resource).orElse(null));
    return verdict.allowed();
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

  static boolean isProtected(Patient patient) {
    return patient.getMeta().getSecurity().stream()
        .anyMatch(l -> SECURITY_LABELS.equals(l.getSystem()) && PROTECTED_IDENTITY.contains(l.getCode()));
  }

  private static boolean sameUnit(RequestDetails request, Patient patient) {
    Caller caller = Caller.of(request);
    return caller != null && (caller.isSystem()
        || (caller.unit() != null && caller.unit().equals(Ownership.unit(patient).orElse(null))));
  }

  /** A copy without what could find the person: name, address, telecom, photo, contacts. */
  static Patient hideIdentity(Patient patient) {
    Patient copy = patient.copy();
    copy.getName().clear();
    copy.addName().setText(HIDDEN);
    copy.getAddress().clear();
    copy.getTelecom().clear();
    copy.getPhoto().clear();
    copy.getContact().clear();
    return copy;
  }
}
