package se.samverkan.access;

import se.samverkan.auth.Caller;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;
import se.samverkan.server.spi.ServerInterceptor;

/**
 * What a write may not do to the sharing rule ({@link AccessPolicy}, docs/security.md):
 * <ul>
 *   <li>store a type that is neither patient data nor shared reference data ({@link ResourceKinds});
 *   <li>date a Consent in the future: decisions are ordered by the server's recorded time, and a
 *       client's date that has not happened yet is no fact;
 *   <li>add data about another owner's patient without a care relation the rule recognises (a
 *       CareTeam of the patient naming the writer, written by the Patient's owner or by the writer
 *       itself). A CareTeam and a Consent are the exceptions: they are the routes by which a party
 *       shares its own data (a CareTeam naming others) or attests, for itself only, its care
 *       relation and the patient's consent.
 * </ul>
 * A patient the writer has no relation with is answered exactly as a patient that does not exist,
 * and both with the message HAPI gives for a reference to a missing resource (400).
 */
@Interceptor
public class SharingWriteRules implements ServerInterceptor {

  /** Clocks differ a little between journal systems and this server. */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
  /** A Patient is about itself; a CareTeam and a Consent are the sharing and attesting routes. */
  static final Set<String> ROUTES = Set.of("Patient", "CareTeam", "Consent");
  private static final String READABLE_PATIENTS = SharingWriteRules.class.getName() + ".patients";

  private final FhirContext fhirContext;
  private final AccessPolicy policy;
  private final DaoRegistry daos;

  SharingWriteRules(FhirContext fhirContext, AccessPolicy policy, DaoRegistry daos) {
    this.fhirContext = fhirContext;
    this.policy = policy;
    this.daos = daos;
  }

  /** A request that names a refused type goes no further, whatever it asks. */
  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public boolean refuseUndeclaredTypes(RequestDetails request) {
    policy.kinds().requireDeclared(request.getResourceName());
    return true;
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource, RequestDetails request, TransactionDetails transaction) {
    check(resource, request, transaction);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request,
      TransactionDetails transaction) {
    check(resource, request, transaction);
  }

  private void check(IBaseResource resource, RequestDetails request, TransactionDetails transaction) {
    policy.kinds().requireDeclared(resource.fhirType());
    Caller caller = Caller.of(request);
    if (caller == null || caller.isSystem()) {
      return;
    }
    if (resource instanceof Consent consent && consent.hasDateTime()
        && consent.getDateTime().after(new Date(System.currentTimeMillis() + CLOCK_SKEW.toMillis()))) {
      throw new UnprocessableEntityException(Messages.english(Message.CONSENT_IN_FUTURE));
    }
    if (ROUTES.contains(resource.fhirType())) {
      return;
    }
    for (String patient : policy.patientsOf(resource)) {
      if (!mayWriteAbout(patient, caller, request, transaction)) {
        throw new InvalidRequestException(Messages.english(Message.REFERENCE_NOT_FOUND, patient, pathTo(resource, patient)));
      }
    }
  }

  private boolean mayWriteAbout(String patient, Caller caller, RequestDetails request, TransactionDetails transaction) {
    @SuppressWarnings("unchecked")
    Map<String, Boolean> known = (Map<String, Boolean>) request.getUserData()
        .computeIfAbsent(READABLE_PATIENTS, k -> new HashMap<String, Boolean>());
    return known.computeIfAbsent(patient, p -> {
      IBaseResource stored;
      try {
        stored = daos.getResourceDao("Patient").read(new IdType(p), new SystemRequestDetails());
      } catch (BaseServerResponseException e) {
        // Not stored yet: created earlier in this very transaction (so the writer's own), or
        // absent or deleted, which is answered exactly as a patient the writer may not see.
        return transaction != null && transaction.getResolvedResourceId(new IdType(p)) != null;
      }
      return policy.hasCareRelation(caller, stored, request.getUserData());
    });
  }

  /** Where the resource names the patient, as HAPI names the path of a missing reference target. */
  private String pathTo(IBaseResource resource, String patient) {
    for (var reference : fhirContext.newTerser().getAllResourceReferences(resource)) {
      if (reference.getResourceReference() instanceof Reference r
          && patient.equals(r.getReferenceElement().toUnqualifiedVersionless().getValue())) {
        return resource.fhirType() + "." + reference.getName();
      }
    }
    return resource.fhirType();
  }
}
