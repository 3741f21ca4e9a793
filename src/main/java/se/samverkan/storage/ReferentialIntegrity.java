package se.samverkan.storage;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import se.samverkan.server.spi.StorageInterceptor;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.model.DeleteConflict;
import ca.uhn.fhir.jpa.api.model.DeleteConflictList;
import ca.uhn.fhir.jpa.delete.DeleteConflictOutcome;
import ca.uhn.fhir.jpa.delete.DeleteConflictUtil;
import ca.uhn.fhir.model.primitive.IdDt;
import jakarta.persistence.EntityManager;
import jakarta.persistence.TypedQuery;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Never a dangling reference: a resource that other stored data refers to is not deleted — 409,
 * naming who refers to it, as HAPI answers — however the delete is asked for: by id, by a
 * condition, in a transaction, or by the server itself. (The audit log keeps naming a patient after
 * the patient has been deleted — the log outlives the record, access/AuditLogPolicy — but it is not
 * among HAPI's resources, so its references are none of HAPI's and hold up nothing. Before, they
 * were, and this class left them out.)
 *
 * <p>HAPI decides a delete from the references it finds in batches: the first one, and up to
 * {@link JpaStorageSettings#getMaximumDeleteConflictQueryCount()} more only when a hook asks
 * (DeleteConflictService#validateOkToDelete, HAPI 8.8). The same references come back each time,
 * so dropping the audit log's from a batch hid the record's own: a patient read more often than
 * the batch is long was deleted from under its Observations. And in a transaction HAPI notes one
 * reference per deleted resource and forgives it when that referrer is deleted too
 * (BaseTransactionProcessor#checkForDeleteConflicts), though others may remain. So:
 * <ul>
 *   <li>whenever HAPI finds references to a resource, they are replaced by those this class finds
 *       itself — HAPI answers with them, and a transaction forgives those it deletes too, as before;
 *   <li>before the deletion commits, each deleted resource is checked once more: a reference from
 *       other data still pointing at it fails the request, whatever HAPI's batches saw.
 * </ul>
 * Registered with HAPI's own interceptor service, so that it guards the server's own deletes too.
 */
@Interceptor
public class ReferentialIntegrity implements StorageInterceptor {

  /**
   * Who refers to a resource: every stored, unversioned reference (HAPI's own conflict query,
   * DeleteConflictFinderService#findConflicts, leaves versioned ones out too: a version stays
   * readable after a delete).
   */
  private static final String REFERRERS = "SELECT l.mySourceResourceType, s.myFhirId, l.mySourcePath"
      + " FROM ResourceLink l JOIN l.mySourceResource s JOIN l.myTargetResource t"
      + " WHERE t.myResourceType = :type AND t.myFhirId = :id AND l.myTargetResourceVersion IS NULL";

  private final EntityManager entityManager;
  private final FhirContext fhirContext;
  private final JpaStorageSettings settings;

  ReferentialIntegrity(EntityManager entityManager, FhirContext fhirContext, JpaStorageSettings settings) {
    this.entityManager = entityManager;
    this.fhirContext = fhirContext;
    this.settings = settings;
  }

  /** HAPI found references to a resource it is about to delete: these are the ones that count. */
  @Hook(Pointcut.STORAGE_PRESTORAGE_DELETE_CONFLICTS)
  public DeleteConflictOutcome referrersBesidesTheAuditLog(DeleteConflictList conflicts) {
    IdDt target = null;
    for (DeleteConflict conflict : conflicts) {
      target = conflict.getTargetId();
      break;
    }
    if (target == null) {
      return null;
    }
    conflicts.removeAll();
    for (DeleteConflict referrer : referrers(target, false)) {
      // As HAPI adds them (DeleteConflictService#addConflictsToList): a referrer being deleted
      // along with the target is no conflict.
      if (!(conflicts.isResourceIdMarkedForDeletion(referrer.getSourceId())
          && conflicts.isResourceIdMarkedForDeletion(target))) {
        conflicts.add(referrer);
      }
    }
    return null; // nothing more to look for: the list is complete (up to HAPI's limit)
  }

  /** The last word, when everything the request writes has been written. */
  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
  public void noDanglingReference(IBaseResource deleted) {
    IdDt target = new IdDt(deleted.getIdElement().getResourceType(), deleted.getIdElement().getIdPart());
    List<DeleteConflict> referrers = referrers(target, true);
    if (!referrers.isEmpty()) {
      DeleteConflictList conflicts = new DeleteConflictList();
      referrers.forEach(conflicts::add);
      DeleteConflictUtil.validateDeleteConflictsEmptyOrThrowException(fhirContext, conflicts);
    }
  }

  /**
   * @param stillDeleted only while the target is deleted: a transaction may delete a resource and
   *     write it anew, and references to it are then no longer dangling
   */
  private List<DeleteConflict> referrers(IdDt target, boolean stillDeleted) {
    TypedQuery<Object[]> query = entityManager
        .createQuery(stillDeleted ? REFERRERS + " AND t.myDeleted IS NOT NULL" : REFERRERS, Object[].class)
        .setParameter("type", target.getResourceType())
        .setParameter("id", target.getIdPart());
    if (settings.getMaximumDeleteConflictQueryCount() != null) {
      query.setMaxResults(settings.getMaximumDeleteConflictQueryCount()); // as many as HAPI names
    }
    List<Object[]> rows = query.getResultList();
    return rows.stream()
        .map(row -> new DeleteConflict(new IdDt((String) row[0], (String) row[1]), (String) row[2], target))
        .toList();
  }
}
