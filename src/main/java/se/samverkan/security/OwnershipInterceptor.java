package se.samverkan.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import se.samverkan.server.ServerInterceptor;

/**
 * Ownership: a create records the writer's care provider and unit, taken from the token and never
 * from the payload; only the owning care provider (any of its units) may change or delete the
 * resource, and the owner stays as recorded. Runs on HAPI's storage pointcuts, so single requests and transaction
 * entries alike pass through it.
 */
@Interceptor
public class OwnershipInterceptor implements ServerInterceptor {

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource, RequestDetails request) {
    Caller caller = Caller.of(request);
    if (caller == null || caller.isSystem()) {
      return; // the server's own writes (our package's conformance resources) have no owner
    }
    Ownership.record(resource, requireCareProvider(caller), caller.unit());
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
    Caller caller = Caller.of(request);
    if (caller != null && !caller.isSystem()) {
      checkOwner(previous, caller, "change");
    }
    // Ownership is fixed when a resource is created (like Inera's custodian and author): an
    // update keeps it, whatever the payload's tags say. (HAPI keeps a version's tags in the next.)
    Ownership.careProvider(previous).ifPresent(owner ->
        Ownership.record(resource, owner, Ownership.unit(previous).orElse(null)));
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED)
  public void deleted(IBaseResource resource, RequestDetails request) {
    Caller caller = Caller.of(request);
    if (caller != null && !caller.isSystem()) {
      checkOwner(resource, caller, "delete");
    }
  }

  private static void checkOwner(IBaseResource stored, Caller caller, String action) {
    Optional<String> owner = Ownership.careProvider(stored);
    String type = stored.fhirType();
    if (owner.isEmpty()) {
      throw new ForbiddenOperationException(
          "This " + type + " has no recorded owner (it was stored by the server itself); it cannot be "
              + action + "d through the API");
    }
    if (!owner.get().equals(caller.careProvider())) {
      throw new ForbiddenOperationException(
          "Only the care provider that owns this " + type + " may " + action + " it");
    }
  }

  private static String requireCareProvider(Caller caller) {
    if (caller.careProvider() == null || caller.careProvider().isBlank()) {
      throw new ForbiddenOperationException(
          "The token names no care provider (claim " + Caller.CARE_PROVIDER_CLAIM + "); writes need one");
    }
    return caller.careProvider();
  }
}
