package se.samverkan.storage;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.MethodNotAllowedException;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;
import se.samverkan.server.spi.HookOrder;
import se.samverkan.server.spi.ServerInterceptor;

/**
 * What it means for the API that tags, profiles and security labels are stored in each version's
 * JSON (HAPI's {@code TagStorageModeEnum.INLINE}, JpaStorageConfig says why): they are elements of
 * the resource like any other, read with it and changed only by a new version.
 *
 * <p>HAPI's {@code $meta}, {@code $meta-add} and {@code $meta-delete} still read and write its tag
 * tables in that mode, which nothing else reads (BaseHapiFhirResourceDao#metaGetOperation,
 * #doMetaAdd, 8.8): {@code $meta-add} would answer 200 and change nothing a reader sees, and
 * {@code $meta} would answer with no tags. They were never open to a client here (no scope allows
 * them: auth.ScopeAuthorizationInterceptor answered 403), yet the CapabilityStatement listed them.
 * Now they are refused with 405 saying what to do instead, before anything is looked up (so
 * hidden and absent resources get the same answer), and are no longer listed. The owner's tags were
 * never open to change in place anyway: OwnershipInterceptor guards every change.
 */
@Interceptor
public class TagsInVersions implements ServerInterceptor {

  private static final String META = "$meta";
  /** The operations on tags, as requests name them. */
  private static final Set<String> OPERATIONS = Set.of(META, "$meta-add", "$meta-delete");

  @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = HookOrder.META_OPERATIONS_REFUSED)
  public void refuseTheTagTablesOperations(RequestDetails request) {
    String operation = request.getOperation();
    if (META.equals(operation)) {
      throw new MethodNotAllowedException(Messages.english(Message.META_READ_WITH_THE_RESOURCE));
    }
    if (operation != null && OPERATIONS.contains(operation)) {
      throw new MethodNotAllowedException(Messages.english(Message.META_CHANGED_BY_UPDATE, operation));
    }
  }

  @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
  public void listNone(IBaseConformance generated) {
    CapabilityStatement capabilities = (CapabilityStatement) generated;
    for (CapabilityStatement.CapabilityStatementRestComponent rest : capabilities.getRest()) {
      rest.getOperation().removeIf(TagsInVersions::isOnTags);
      for (CapabilityStatement.CapabilityStatementRestResourceComponent resource : rest.getResource()) {
        resource.getOperation().removeIf(TagsInVersions::isOnTags);
      }
    }
  }

  private static boolean isOnTags(CapabilityStatement.CapabilityStatementRestResourceOperationComponent operation) {
    return OPERATIONS.contains("$" + operation.getName());
  }
}
