package se.samverkan.coordination;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import se.samverkan.server.spi.ChangeConsumer;
import se.samverkan.server.spi.LocksAcrossServers;
import se.samverkan.server.spi.StorageInterceptor;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.messaging.BaseResourceMessage;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.annotation.Propagation;

/**
 * Runs the {@link CoordinationRules} on every stored change, from HAPI's subscription pipeline:
 * HAPI records each change in the writing transaction and hands it over once committed, so a
 * rule sees a whole transaction bundle (the hospital's own inskrivningsmeddelande sent with the
 * admission prevents a duplicate) and a change committed just before a crash is still handled
 * after the restart. The Tasks are stored in a transaction of their own: a rule that fails is
 * logged and never undoes the clinical write. Each Task is created once, also when servers
 * sharing the database handle changes of the same stay at the same time (issue 21). Created Tasks flow through the same pipeline, so
 * {@code Task?owner=…} subscribers hear of them.
 *
 * <p>As a {@link ChangeConsumer} it keeps in the pipeline exactly the changes {@link #applyRules}
 * acts on: creates and updates of what {@link CoordinationRules#mayTrigger} accepts.
 */
@Interceptor
public class CoordinationRulesInterceptor implements StorageInterceptor, ChangeConsumer {

  private static final Logger log = LoggerFactory.getLogger(CoordinationRulesInterceptor.class);

  private final FhirContext fhirContext;
  private final DaoRegistry daos;
  private final IHapiTransactionService transactions;
  private final CoordinationRules rules;
  private final LocksAcrossServers locks;

  public CoordinationRulesInterceptor(FhirContext fhirContext, DaoRegistry daos, IHapiTransactionService transactions,
      CoordinationRules rules, LocksAcrossServers locks) {
    this.locks = locks;
    this.fhirContext = fhirContext;
    this.daos = daos;
    this.transactions = transactions;
    this.rules = rules;
  }

  /**
   * The same test as {@link #applyRules} makes, on the change as it is stored: the version HAPI
   * reads again when it hands the change over is this one (ResourceModifiedMessagePersistenceSvcImpl
   * reads the recorded version, HAPI 8.8).
   */
  @Override
  public boolean needs(ResourceModifiedMessage change) {
    return triggers(change) != null;
  }

  @Hook(Pointcut.SUBSCRIPTION_BEFORE_PERSISTED_RESOURCE_CHECKED)
  public boolean applyRules(ResourceModifiedMessage change) {
    IBaseResource changed = triggers(change);
    if (changed == null) {
      return true;
    }
    try {
      Runnable createTasks = () -> {
        int created = 0;
        for (Task task : rules.tasksFor(changed)) {
          // Held until this transaction commits: another server (or thread) handling a change of
          // the same stay waits, then finds this Task stored.
          locks.untilTransactionEnds(CoordinationRules.lockName(task));
          if (rules.isNew(task)) {
            daos.getResourceDao(Task.class).create(task, new SystemRequestDetails());
            created++;
          }
        }
        if (created > 0) {
          log.info("{} coordination task(s) created for {}", created, changed.getIdElement().toUnqualifiedVersionless());
        }
      };
      transactions.withSystemRequest().withPropagation(Propagation.REQUIRES_NEW).execute(createTasks);
    } catch (RuntimeException e) {
      log.warn("Coordination rules failed for {}: {}", changed.getIdElement().toUnqualifiedVersionless(),
          e.getClass().getSimpleName());
    }
    return true;
  }

  /** The changed resource if the rules may act on this change, else null. */
  private IBaseResource triggers(ResourceModifiedMessage change) {
    BaseResourceMessage.OperationTypeEnum operation = change.getOperationType();
    if (operation != BaseResourceMessage.OperationTypeEnum.CREATE && operation != BaseResourceMessage.OperationTypeEnum.UPDATE) {
      return null;
    }
    // The type first, from the id: parsing the payload of every change to ask would cost more.
    IIdType id = change.getPayloadId(fhirContext);
    if (id != null && id.hasResourceType() && !CoordinationRules.TRIGGER_TYPES.contains(id.getResourceType())) {
      return null;
    }
    IBaseResource changed = change.getResource(fhirContext);
    return changed != null && rules.mayTrigger(changed) ? changed : null;
  }
}
