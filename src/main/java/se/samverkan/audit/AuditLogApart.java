package se.samverkan.audit;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.Arrays;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Enumerations;
import se.samverkan.server.spi.HookOrder;
import java.util.Map;
import se.samverkan.access.AuditLogPolicy;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;
import se.samverkan.server.spi.ServerInterceptor;

/**
 * The audit log is about the record, not part of it: it is kept in a store of its own
 * ({@link AuditLog}), not among HAPI's resources, so no search of the record reaches it. A search
 * that asks to — {@code Patient?_has:AuditEvent:…}, {@code _revinclude=AuditEvent:…}, an
 * AuditEvent in {@code _type} (system search, {@code Patient/$everything}) — is refused with 400
 * rather than answered as if no event matched. Log reviewers search {@code AuditEvent?patient=…}
 * and use {@code Patient/{id}/$access-log} (docs/security.md). A Subscription on AuditEvent is
 * refused too (notify/SubscriptionCriteriaRule): nothing of the log is ever a change to notify.
 */
@Interceptor
public class AuditLogApart implements ServerInterceptor {

  private static final String HAS = Constants.PARAM_HAS + ":" + AuditLogPolicy.TYPE + ":";
  private static final String REVINCLUDE = AuditLogPolicy.TYPE + ":";

  /**
   * The CapabilityStatement says what the log's store offers: HAPI's generator lists, for every
   * type it serves, the search parameters, includes and conditional interactions its JPA storage
   * would offer (JpaCapabilityStatementProvider, 8.8), and every other type's reverse include from
   * AuditEvent.
   */
  @Hook(value = Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED, order = HookOrder.AUDIT_LOG_DESCRIBED)
  public void describeTheLog(IBaseConformance generated) {
    for (CapabilityStatement.CapabilityStatementRestComponent rest : ((CapabilityStatement) generated).getRest()) {
      for (CapabilityStatement.CapabilityStatementRestResourceComponent resource : rest.getResource()) {
        resource.getSearchRevInclude().removeIf(include -> include.getValue().startsWith(REVINCLUDE));
        if (AuditLogPolicy.TYPE.equals(resource.getType())) {
          describe(resource);
        }
      }
    }
  }

  private static void describe(CapabilityStatement.CapabilityStatementRestResourceComponent log) {
    // Writes are declared only to be refused by the scope rules (AuditEventProvider#create).
    log.getInteraction().removeIf(interaction -> interaction.getCode() != CapabilityStatement.TypeRestfulInteraction.READ
        && interaction.getCode() != CapabilityStatement.TypeRestfulInteraction.SEARCHTYPE);
    log.getSearchParam().removeIf(parameter -> !AuditEventProvider.SEARCH_PARAMETERS.contains(parameter.getName()));
    if (log.getSearchParam().stream().noneMatch(parameter -> Constants.PARAM_SECURITY.equals(parameter.getName()))) {
      log.addSearchParam().setName(Constants.PARAM_SECURITY).setType(Enumerations.SearchParamType.TOKEN)
          .setDocumentation("Security labels: ETREAT (emergency access), attested (access on the reader's own attestation)");
    }
    log.getSearchInclude().clear();
    log.addSearchInclude(AuditEventProvider.INCLUDE_PATIENT);
    log.setVersioning(CapabilityStatement.ResourceVersionPolicy.NOVERSION).setReadHistory(false)
        .setUpdateCreate(false).setConditionalCreate(false).setConditionalUpdate(false)
        .setConditionalRead(CapabilityStatement.ConditionalReadStatus.NOTSUPPORTED)
        .setConditionalDelete(CapabilityStatement.ConditionalDeleteStatus.NOTSUPPORTED);
  }

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
  public void refuseTheLogAsPartOfTheRecord(RequestDetails request) {
    if (request.getParameters() == null) {
      return;
    }
    for (Map.Entry<String, String[]> parameter : request.getParameters().entrySet()) {
      String name = parameter.getKey();
      String[] values = parameter.getValue() == null ? new String[0] : parameter.getValue();
      boolean reachesTheLog = name.startsWith(HAS)
          || name.startsWith(Constants.PARAM_REVINCLUDE)
              && Arrays.stream(values).anyMatch(value -> value.startsWith(REVINCLUDE))
          || name.equals(Constants.PARAM_TYPE)
              && Arrays.stream(values).flatMap(value -> Arrays.stream(value.split(",")))
                  .anyMatch(type -> AuditLogPolicy.TYPE.equals(type.trim()));
      if (reachesTheLog) {
        throw new InvalidRequestException(Messages.english(Message.AUDIT_LOG_APART, name));
      }
    }
  }
}
