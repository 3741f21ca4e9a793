package se.samverkan.notify;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.data.IResourceModifiedDao;
import ca.uhn.fhir.jpa.dao.tx.HapiTransactionService;
import ca.uhn.fhir.jpa.model.entity.IPersistedResourceModifiedMessage;
import ca.uhn.fhir.jpa.model.entity.PersistedResourceModifiedMessageEntityPK;
import ca.uhn.fhir.jpa.model.entity.ResourceModifiedEntity;
import ca.uhn.fhir.jpa.subscription.ResourceModifiedMessagePersistenceSvcImpl;
import ca.uhn.fhir.jpa.subscription.match.matcher.matching.IResourceModifiedConsumer;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import ca.uhn.fhir.rest.server.messaging.BaseResourceMessage;
import jakarta.persistence.EntityManager;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IIdType;
import org.springframework.beans.factory.ObjectProvider;

/**
 * HAPI's record of a change waiting for subscription matching, except that a delete never takes
 * the place of the change before it.
 *
 * <p>HAPI records each change in HFJ_RESOURCE_MODIFIED, keyed by resource and version, and a
 * scheduled job hands the records to matching every 5 s (AsyncResourceModifiedProcessingSchedulerSvc,
 * HAPI 8.8). A delete is recorded under the version it deleted — the same key as the create or
 * update that made that version (SubscriptionMatcherInterceptor#resourceDeleted) — and saved with
 * a JPA merge. When the earlier record is still waiting, the merge overwrites it, so that change is
 * never notified; when the job hands it over at the same moment, the merge's UPDATE meets no row
 * and the client's DELETE fails with 409 HAPI-0826 (an OptimisticLockException HAPI does not
 * retry). Seen as 2–5 failed deletes in 200 create–read–delete rounds on H2.
 *
 * <p>So before a delete is recorded, the waiting record of the version it deletes is handed to
 * matching now, in the deleting transaction (our matching and delivery channels are synchronous:
 * SubscriptionConfig), and only then is the delete recorded. A record the job has taken meanwhile
 * is left to the job (HAPI's delete-by-key answers 0 rows for the loser).
 */
public class PendingChangeBeforeDelete extends ResourceModifiedMessagePersistenceSvcImpl {

  private final FhirContext fhirContext;
  private final IResourceModifiedDao records;
  private final EntityManager entityManager;
  private final ObjectProvider<IResourceModifiedConsumer> matching;

  public PendingChangeBeforeDelete(FhirContext fhirContext, IResourceModifiedDao records, DaoRegistry daos,
      HapiTransactionService transactions, EntityManager entityManager,
      ObjectProvider<IResourceModifiedConsumer> matching) {
    super(fhirContext, records, daos, transactions);
    this.fhirContext = fhirContext;
    this.records = records;
    this.entityManager = entityManager;
    this.matching = matching;
  }

  @Override
  public IPersistedResourceModifiedMessage persist(ResourceModifiedMessage message) {
    if (message.getOperationType() == BaseResourceMessage.OperationTypeEnum.DELETE) {
      handOverWaitingRecordOf(message.getPayloadId(fhirContext));
    }
    return super.persist(message);
  }

  private void handOverWaitingRecordOf(IIdType deletedVersion) {
    PersistedResourceModifiedMessageEntityPK key = PersistedResourceModifiedMessageEntityPK.with(
        deletedVersion.getIdPart(), deletedVersion.getVersionIdPart(), deletedVersion.getResourceType());
    Optional<ResourceModifiedEntity> waiting = records.findById(key);
    if (waiting.isEmpty()) {
      return;
    }
    // Not managed any more, or the delete's save would merge into it all the same.
    entityManager.detach(waiting.get());
    if (deleteByPK(key)) {
      matching.getObject().submitResourceModified(createResourceModifiedMessageFromEntityWithoutInflation(waiting.get()));
    }
  }
}
