package se.samverkan.audit;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Date;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.StringType;
import se.samverkan.auth.Caller;
import se.samverkan.access.Ownership;
import se.samverkan.server.spi.ServerProvider;

/**
 * The patient log extract ({@code GET Patient/{id}/$access-log}, log reviewers only): which care
 * providers and units were shown the patient's data, when first and last, how often, and how often
 * by emergency access, how often on the reader's own attestation — what the patient may ask to know (patientdatalagen 8 kap. 5 §).
 *
 * <p>A reviewer reviews for its own care provider: the extract lists only the accesses that
 * concern it — its own people acted, or its data about the patient was shown, withheld or
 * written. For a patient with none, the answer is the same as for a patient id that does not
 * exist: it says nothing about whether, or by whom, the patient is cared for elsewhere.
 */
public class AccessLogOperationProvider implements ServerProvider {

  private final DaoRegistry daos;

  public AccessLogOperationProvider(DaoRegistry daos) {
    this.daos = daos;
  }

  /** One care provider's and unit's accesses. */
  private static final class Accesses {
    final String careProvider;
    final String unit;
    Date first;
    Date last;
    int count;
    int emergency;
    int attested;

    Accesses(String careProvider, String unit) {
      this.careProvider = careProvider;
      this.unit = unit;
    }
  }

  @Operation(name = "$access-log", type = Patient.class, idempotent = true)
  public Parameters accessLog(@IdParam IdType patient, RequestDetails request) {
    Caller reviewer = Caller.of(request);
    String reference = "Patient/" + patient.getIdPart();
    SearchParameterMap search = SearchParameterMap.newSynchronous()
        .add(AuditEvent.SP_PATIENT, new ReferenceParam(reference));
    search.setSort(new SortSpec(AuditEvent.SP_DATE, SortOrderEnum.ASC));
    Map<String, Accesses> byOrganization = new LinkedHashMap<>();
    for (IBaseResource found : daos.getResourceDao(AuditEvent.class).search(search, new SystemRequestDetails()).getAllResources()) {
      AuditEvent event = (AuditEvent) found;
      if (!shown(event, reference) || !concerns(event, reference, reviewer)) {
        continue;
      }
      String careProvider = agent(event, "care-provider");
      String unit = agent(event, "unit");
      Accesses accesses = byOrganization.computeIfAbsent(careProvider + "|" + unit, k -> new Accesses(careProvider, unit));
      Date when = event.getRecorded();
      accesses.first = accesses.first == null ? when : accesses.first;
      accesses.last = when;
      accesses.count++;
      if (event.getPurposeOfEvent().stream().flatMap(p -> p.getCoding().stream())
          .anyMatch(c -> AuditInterceptor.EMERGENCY_CODE.equals(c.getCode()))) {
        accesses.emergency++;
      }
      if (attested(event, reference)) {
        accesses.attested++;
      }
    }
    Parameters log = new Parameters();
    log.addParameter().setName("patient").setValue(new org.hl7.fhir.r4.model.Reference(reference));
    for (Accesses accesses : byOrganization.values()) {
      Parameters.ParametersParameterComponent access = log.addParameter().setName("access");
      access.addPart().setName("careProvider").setValue(new StringType(accesses.careProvider));
      access.addPart().setName("unit").setValue(new StringType(accesses.unit));
      access.addPart().setName("first").setValue(new DateTimeType(accesses.first));
      access.addPart().setName("last").setValue(new DateTimeType(accesses.last));
      access.addPart().setName("count").setValue(new IntegerType(accesses.count));
      access.addPart().setName("emergency").setValue(new IntegerType(accesses.emergency));
      access.addPart().setName("attested").setValue(new IntegerType(accesses.attested));
    }
    return log;
  }

  /** The patient's data was shown on the reader's own attestation of relation or consent (docs/security.md). */
  private static boolean attested(AuditEvent event, String patient) {
    return event.getEntity().stream().anyMatch(e -> patient.equals(e.getWhat().getReference())
        && e.getDetail().stream().anyMatch(d -> "access".equals(d.getType())
            && AuditInterceptor.ATTESTED_CODE.equals(d.getValue().primitiveValue())));
  }

  /** The event showed this patient's data to the caller (not withheld, not only written). */
  private static boolean shown(AuditEvent event, String patient) {
    return event.getEntity().stream().anyMatch(e -> patient.equals(e.getWhat().getReference())
        && e.getDetail().stream().anyMatch(d -> "shown".equals(d.getValue().primitiveValue())));
  }

  /**
   * The access concerns the reviewer's care provider: its own people acted, or the event says
   * the patient's data was its own. Events written before the log named each patient's data
   * owners say only which care providers the whole request concerned (its audit-concerns tags).
   */
  static boolean concerns(AuditEvent event, String patient, Caller reviewer) {
    if (reviewer == null) {
      return false;
    }
    if (reviewer.isSystem()) {
      return true;
    }
    String careProvider = reviewer.careProvider();
    if (careProvider == null) {
      return false;
    }
    if (careProvider.equals(agent(event, "care-provider"))) {
      return true;
    }
    List<AuditEvent.AuditEventEntityComponent> entities = event.getEntity().stream()
        .filter(e -> patient.equals(e.getWhat().getReference())).toList();
    boolean ownersNamed = entities.stream().flatMap(e -> e.getDetail().stream())
        .anyMatch(d -> AuditInterceptor.OWNER_DETAIL.equals(d.getType()));
    if (ownersNamed) {
      return entities.stream().flatMap(e -> e.getDetail().stream())
          .anyMatch(d -> AuditInterceptor.OWNER_DETAIL.equals(d.getType()) && careProvider.equals(d.getValue().primitiveValue()));
    }
    return Ownership.concerns(event).contains(careProvider);
  }

  private static String agent(AuditEvent event, String type) {
    return event.getAgent().stream()
        .filter(a -> type.equals(a.getType().getText()))
        .map(a -> a.getWho().getIdentifier().getValue())
        .findFirst().orElse("unknown");
  }
}
