package se.samverkan.access;

import se.samverkan.auth.Caller;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Task;
import se.samverkan.server.spi.ServerInterceptor;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/**
 * Ownership: a create records the writer's care provider and unit, taken from the token and never
 * from the payload; only the owning care provider (any of its units) may change or delete the
 * resource, and the owner stays as recorded. One exception, FHIR's workflow pattern: the
 * organization a Task is addressed to ({@code Task.owner}) may report its progress — status,
 * status reason, business status, notes and output — and change nothing else, so that a kommun
 * can close the inskrivningsmeddelande a rule sent it. Runs on HAPI's storage pointcuts, so single requests and transaction
 * entries alike pass through it.
 */
@Interceptor
public class OwnershipInterceptor implements ServerInterceptor {

  private final AccessPolicy policy;

  OwnershipInterceptor(AccessPolicy policy) {
    this.policy = policy;
  }

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
    if (caller != null && !caller.isSystem() && !isProgressReport(previous, resource, caller, request)) {
      checkOwner(previous, caller, Message.NO_RECORDED_OWNER_CHANGE, Message.NOT_THE_OWNER_CHANGE);
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
      checkOwner(resource, caller, Message.NO_RECORDED_OWNER_DELETE, Message.NOT_THE_OWNER_DELETE);
    }
  }

  /** The addressee of a Task, which it may read, changes only what reports its progress. */
  private boolean isProgressReport(IBaseResource previous, IBaseResource resource, Caller caller, RequestDetails request) {
    return previous instanceof Task before && resource instanceof Task after
        && !Ownership.careProvider(before).map(caller.careProvider()::equals).orElse(false)
        && policy.isAddressedTo(caller, before, request.getUserData())
        && policy.decide(request, before).allowed()
        && withoutProgress(before).equalsDeep(withoutProgress(after));
  }

  private static Task withoutProgress(Task task) {
    Task rest = task.copy();
    rest.setMeta(null);
    rest.setText(null);
    rest.setId((String) null);
    rest.setStatus(null).setStatusReason(null).setBusinessStatus(null).setLastModified(null);
    rest.getNote().clear();
    rest.getOutput().clear();
    return rest;
  }

  private static void checkOwner(IBaseResource stored, Caller caller, Message noOwner, Message notTheOwner) {
    Optional<String> owner = Ownership.careProvider(stored);
    String type = stored.fhirType();
    if (owner.isEmpty()) {
      throw new ForbiddenOperationException(Messages.english(noOwner, type));
    }
    if (!owner.get().equals(caller.careProvider())) {
      throw new ForbiddenOperationException(Messages.english(notTheOwner, type));
    }
  }

  private static String requireCareProvider(Caller caller) {
    if (caller.careProvider() == null || caller.careProvider().isBlank()) {
      throw new ForbiddenOperationException(Messages.english(Message.NO_CARE_PROVIDER, Caller.CARE_PROVIDER_CLAIM));
    }
    return caller.careProvider();
  }
}
