package se.samverkan.audit;

import se.samverkan.server.spi.HookOrder;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import se.samverkan.access.AccessPolicy;
import se.samverkan.access.AccessRecord;
import se.samverkan.access.AuditLogPolicy;
import se.samverkan.auth.Caller;
import se.samverkan.access.Ownership;
import se.samverkan.server.spi.ServerInterceptor;
import se.samverkan.vocabulary.Vocabulary;

/**
 * The audit log (patientdatalagen 4 kap. 3 §, lag 2022:913): one AuditEvent for every FHIR
 * request a caller makes — also when it failed or was refused — written to the {@link AuditLog}
 * and committed before the answer is sent, naming who (token subject, role), for which unit and
 * care provider, what (interaction, action, the query), which patients were shown or withheld, the
 * outcome, and emergency access with its stated reason. Who may read the log, what of it they are
 * shown, and the vocabulary it is written in (read back by those rules and by the patient log
 * extract) are {@link AuditLogPolicy}'s, in access, which also lists where each of the log's other
 * rules is enforced.
 */
@Interceptor(order = HookOrder.AUDIT_NOTES_THE_WRITE)
public class AuditInterceptor implements ServerInterceptor {

  public static final String EMERGENCY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
  public static final String EMERGENCY_CODE = "ETREAT";
  public static final String ATTESTED_CODE = AuditLogPolicy.ATTESTED;
  static final String INTERACTION = "http://hl7.org/fhir/restful-interaction";

  private static final Logger log = LoggerFactory.getLogger(AuditInterceptor.class);

  /** Request user data: the request's {@link Written} event. */
  private static final String WRITTEN = AuditInterceptor.class.getName() + ".written";

  private final AuditLog auditLog;
  private final AccessPolicy policy;

  public AuditInterceptor(AuditLog auditLog, AccessPolicy policy) {
    this.auditLog = auditLog;
    this.policy = policy;
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource, RequestDetails request) {
    written(request, resource);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
    written(request, previous);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED)
  public void deleted(IBaseResource resource, RequestDetails request) {
    written(request, resource);
  }

  private void written(RequestDetails request, IBaseResource resource) {
    if (request != null && !(request instanceof SystemRequestDetails)) {
      AccessRecord.of(request).wrote(policy.patientsOf(resource), Ownership.careProvider(resource).orElse(null));
    }
  }

  /**
   * The answer is about to be sent: its AuditEvent is written first, committed. If that fails the
   * answer is not sent (the failure is answered instead, 503 when the database is away): no data
   * leaves the server unaudited.
   */
  @Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = HookOrder.AUDIT_WRITTEN)
  public boolean answering(RequestDetails request, ResponseDetails response) {
    write(request, response.getResponseCode());
    return true;
  }

  /** A failure is about to be answered: written first, but a failure to write changes no answer. */
  @Hook(value = Pointcut.SERVER_HANDLE_EXCEPTION, order = HookOrder.AUDIT_WRITTEN_ON_FAILURE)
  public boolean answeringFailure(RequestDetails request, BaseServerResponseException failure) {
    try {
      write(request, failure.getStatusCode());
    } catch (RuntimeException e) {
      // Left for completed() to try once more; never the event itself: it names patients.
      log.error("Could not write the AuditEvent of a failed {} request ({})", request.getRestOperationType(),
          e.getClass().getSimpleName());
    }
    return true;
  }

  /**
   * The request is done, its answer out. One that reached neither hook above (an answer written
   * straight to the servlet, a failure the log could not take) is written now, with the status
   * sent; one whose answer failed while it was written has its event corrected to that status.
   */
  @Hook(value = Pointcut.SERVER_PROCESSING_COMPLETED, order = HookOrder.AUDIT_COMPLETED)
  public void completed(RequestDetails request, ServletRequestDetails servletRequest) {
    int status = servletRequest == null ? 0 : servletRequest.getServletResponse().getStatus();
    try {
      if (!request.getUserData().containsKey(WRITTEN)) {
        write(request, status);
      } else if (request.getUserData().get(WRITTEN) instanceof Written written && written.status() != status
          && status >= 400) {
        AuditEvent corrected = event(request, Caller.of(request), status).setRecorded(written.recorded());
        auditLog.correct(written.id(), corrected);
      }
    } catch (RuntimeException e) {
      log.error("Could not write the AuditEvent of a {} request ({})", request.getRestOperationType(),
          e.getClass().getSimpleName());
    }
  }

  /** The request's event as written: its id, the status it records and when it was recorded. */
  private record Written(long id, int status, Date recorded) {}

  private void write(RequestDetails request, int status) {
    Caller caller = Caller.of(request);
    if (caller == null || caller.isSystem() || request.getRestOperationType() == RestOperationTypeEnum.METADATA
        || request.getUserData().containsKey(WRITTEN)) {
      return;
    }
    AuditEvent event = event(request, caller, status);
    long id = auditLog.append(event);
    request.getUserData().put(WRITTEN, new Written(id, status, event.getRecorded()));
  }

  AuditEvent event(RequestDetails request, Caller caller, int status) {
    RestOperationTypeEnum operation = request.getRestOperationType();
    AuditEvent event = new AuditEvent();
    event.getType().setSystem("http://terminology.hl7.org/CodeSystem/audit-event-type").setCode("rest");
    event.addSubtype(interaction(request));
    event.setAction(action(operation));
    event.setRecorded(new Date());
    event.setOutcome(status >= 500 ? AuditEvent.AuditEventOutcome._8
        : status >= 400 ? AuditEvent.AuditEventOutcome._4 : AuditEvent.AuditEventOutcome._0);
    event.setOutcomeDesc("HTTP " + status);
    event.getSource().setSite("Samverkan").getObserver().setDisplay("Samverkan FHIR server");

    AuditEvent.AuditEventAgentComponent who = event.addAgent().setRequestor(true);
    who.getWho().setIdentifier(new Identifier().setSystem(Vocabulary.TOKEN_SUBJECT).setValue(caller.subject()));
    who.setAltId(caller.subject()); // searchable: AuditEvent?altid=<subject>
    if (caller.role() != null) {
      who.addRole().setText(caller.role());
    }
    if (caller.unit() != null) {
      event.addAgent().setRequestor(false).setWho(organization(caller.unit()))
          .getType().setText(AuditLogPolicy.UNIT_AGENT);
    }
    if (caller.careProvider() != null) {
      event.addAgent().setRequestor(false).setWho(organization(caller.careProvider()))
          .getType().setText(AuditLogPolicy.CARE_PROVIDER_AGENT);
    }
    if (caller.isEmergency()) {
      event.addPurposeOfEvent().setText(caller.emergencyReason())
          .addCoding(new Coding(EMERGENCY_SYSTEM, EMERGENCY_CODE, "emergency treatment"));
      who.addPurposeOfUse().addCoding(new Coding(EMERGENCY_SYSTEM, EMERGENCY_CODE, null));
      event.getMeta().addSecurity(EMERGENCY_SYSTEM, EMERGENCY_CODE, "emergency treatment");
    }

    AccessRecord record = AccessRecord.of(request);
    addPatients(event, record, record.shownPatients(), AuditLogPolicy.SHOWN);
    addPatients(event, record, record.refusedPatients(), AuditLogPolicy.WITHHELD);
    addPatients(event, record, record.writtenPatients(), AuditLogPolicy.WRITTEN);
    if (!record.attestedPatients().isEmpty()) {
      addPatients(event, record, record.attestedPatients(), ATTESTED_CODE);
      event.getMeta().addSecurity(Vocabulary.ACCESS_BASIS, ATTESTED_CODE, "shown on the reader's own attestation");
    }
    String query = request.getCompleteUrl();
    if (query != null && query.contains("?")) {
      event.addEntity().setType(new Coding(Vocabulary.AUDIT_ENTITY_TYPE, "2", "System Object"))
          .setRole(new Coding(Vocabulary.OBJECT_ROLE, "24", "Query"))
          .setQuery(query.substring(query.indexOf('?') + 1).getBytes(StandardCharsets.UTF_8));
    }
    // Log review: a care provider's reviewers see what its own people did, and what others did
    // with its data.
    java.util.Set<String> concerned = new java.util.LinkedHashSet<>(record.dataOwners());
    if (caller.careProvider() != null) {
      concerned.add(caller.careProvider());
    }
    concerned.forEach(careProvider -> event.getMeta().addTag(Vocabulary.AUDIT_CONCERNS, careProvider, null));
    return event;
  }

  private static void addPatients(AuditEvent event, AccessRecord record, Set<String> patients, String access) {
    for (String patient : patients) {
      AuditEvent.AuditEventEntityComponent entity = event.addEntity()
          .setWhat(new Reference(patient))
          .setType(new Coding(Vocabulary.AUDIT_ENTITY_TYPE, "1", "Person"))
          .setRole(new Coding(Vocabulary.OBJECT_ROLE, "1", "Patient"));
      entity.addDetail().setType(AuditLogPolicy.ACCESS_DETAIL).setValue(new org.hl7.fhir.r4.model.StringType(access));
      // Whose data about this patient it was: the patient log extract shows a care provider's
      // reviewers only the accesses that concern their own data (or their own people).
      for (String owner : record.ownersOf(patient)) {
        entity.addDetail().setType(AuditLogPolicy.OWNER_DETAIL).setValue(new org.hl7.fhir.r4.model.StringType(owner));
      }
    }
  }

  private static Reference organization(String id) {
    boolean hsa = id.startsWith("SE");
    return new Reference().setIdentifier(new Identifier().setSystem(hsa ? Vocabulary.HSA_ID : Vocabulary.ORGANISATIONSNUMMER).setValue(id));
  }

  private static Coding interaction(RequestDetails request) {
    RestOperationTypeEnum operation = request.getRestOperationType();
    if (operation == null) {
      // Refused before HAPI knew what was asked (no method for the path and parameters).
      return new Coding(INTERACTION, "operation", "unresolved " + request.getRequestType());
    }
    String code = switch (operation) {
      case READ -> "read";
      case VREAD -> "vread";
      case UPDATE -> "update";
      case PATCH -> "patch";
      case DELETE -> "delete";
      case CREATE -> "create";
      case HISTORY_INSTANCE -> "history-instance";
      case HISTORY_TYPE -> "history-type";
      case HISTORY_SYSTEM -> "history-system";
      case SEARCH_TYPE, GET_PAGE -> "search-type";
      case SEARCH_SYSTEM -> "search-system";
      case TRANSACTION -> "transaction";
      case BATCH -> "batch";
      default -> "operation";
    };
    Coding coding = new Coding(INTERACTION, code, null);
    if (code.equals("operation") && request.getOperation() != null) {
      coding.setDisplay(request.getOperation());
    }
    return coding;
  }

  private static AuditEvent.AuditEventAction action(RestOperationTypeEnum operation) {
    if (operation == null) {
      return AuditEvent.AuditEventAction.E;
    }
    return switch (operation) {
      case CREATE -> AuditEvent.AuditEventAction.C;
      case UPDATE, PATCH -> AuditEvent.AuditEventAction.U;
      case DELETE -> AuditEvent.AuditEventAction.D;
      case READ, VREAD, SEARCH_TYPE, SEARCH_SYSTEM, GET_PAGE, HISTORY_INSTANCE, HISTORY_TYPE, HISTORY_SYSTEM ->
          AuditEvent.AuditEventAction.R;
      default -> AuditEvent.AuditEventAction.E;
    };
  }
}
