package se.samverkan.coordination;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
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
 * logged and never undoes the clinical write. Created Tasks flow through the same pipeline, so
 * {@code Task?owner=…} subscribers hear of them.
 */
@Interceptor
public class CoordinationRulesInterceptor implements StorageInterceptor {

  private static final Logger log = LoggerFactory.getLogger(CoordinationRulesInterceptor.class);

  private final FhirContext fhirContext;
  private final DaoRegistry daos;
  private final IHapiTransactionService transactions;
  private final CoordinationRules rules;

  public CoordinationRulesInterceptor(FhirContext fhirContext, DaoRegistry daos, IHapiTransactionService transactions,
      CoordinationRules rules) {
    this.fhirContext = fhirContext;
    this.daos = daos;
    this.transactions = transactions;
    this.rules = rules;
  }

  @Hook(Pointcut.SUBSCRIPTION_BEFORE_PERSISTED_RESOURCE_CHECKED)
  public boolean applyRules(ResourceModifiedMessage change) {
    BaseResourceMessage.OperationTypeEnum operation = change.getOperationType();
    if (operation != BaseResourceMessage.OperationTypeEnum.CREATE && operation != BaseResourceMessage.OperationTypeEnum.UPDATE) {
      return true;
    }
    IBaseResource changed = change.getResource(fhirContext);
    if (changed == null || !rules.mayTrigger(changed)) {
      return true;
    }
    try {
      Runnable createTasks = () -> {
        List<Task> tasks = rules.tasksFor(changed);
        for (Task task : tasks) {
          daos.getResourceDao(Task.class).create(task, new SystemRequestDetails());
        }
        if (!tasks.isEmpty()) {
          log.info("{} coordination task(s) created for {}", tasks.size(), changed.getIdElement().toUnqualifiedVersionless());
        }
      };
      transactions.withSystemRequest().withPropagation(Propagation.REQUIRES_NEW).execute(createTasks);
    } catch (RuntimeException e) {
      log.warn("Coordination rules failed for {}: {}", changed.getIdElement().toUnqualifiedVersionless(),
          e.getClass().getSimpleName());
    }
    return true;
  }
}
