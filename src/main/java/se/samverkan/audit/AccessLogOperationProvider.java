package se.samverkan.audit;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.StringType;
import se.samverkan.auth.Caller;
import se.samverkan.access.AuditLogPolicy;
import se.samverkan.server.spi.ServerProvider;

/**
 * The patient log extract ({@code GET Patient/{id}/$access-log}, log reviewers only): which care
 * providers and units were shown the patient's data, when first and last, how often, and how often
 * by emergency access, how often on the reader's own attestation — what the patient may ask to know (patientdatalagen 8 kap. 5 §).
 *
 * <p>A reviewer reviews for its own care provider: the extract lists only the accesses that
 * concern it — its own people acted, or its data about the patient was shown, withheld or
 * written. For a patient with none, the answer is the same as for a patient id that does not
 * exist: it says nothing about whether, or by whom, the patient is cared for elsewhere
 * ({@link AuditLogPolicy#concernsReviewer}).
 */
public class AccessLogOperationProvider implements ServerProvider {

  private final AuditLog auditLog;

  public AccessLogOperationProvider(AuditLog auditLog) {
    this.auditLog = auditLog;
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
    Map<String, Accesses> byOrganization = new LinkedHashMap<>();
    for (AuditEvent event : auditLog.naming(reference)) {
      if (!shown(event, reference) || !AuditLogPolicy.concernsReviewer(event, reference, reviewer)) {
        continue;
      }
      String careProvider = AuditLogPolicy.agent(event, AuditLogPolicy.CARE_PROVIDER_AGENT);
      String unit = AuditLogPolicy.agent(event, AuditLogPolicy.UNIT_AGENT);
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
        && e.getDetail().stream().anyMatch(d -> AuditLogPolicy.ACCESS_DETAIL.equals(d.getType())
            && AuditLogPolicy.ATTESTED.equals(d.getValue().primitiveValue())));
  }

  /** The event showed this patient's data to the caller (not withheld, not only written). */
  private static boolean shown(AuditEvent event, String patient) {
    return event.getEntity().stream().anyMatch(e -> patient.equals(e.getWhat().getReference())
        && e.getDetail().stream().anyMatch(d -> AuditLogPolicy.SHOWN.equals(d.getValue().primitiveValue())));
  }
}
