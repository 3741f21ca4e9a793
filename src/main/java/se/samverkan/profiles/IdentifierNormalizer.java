package se.samverkan.profiles;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import java.time.Clock;
import java.time.LocalDate;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.springframework.stereotype.Component;
import se.samverkan.server.ServerInterceptor;

/**
 * Stores Swedish identifiers in one form, so that a search finds them whatever form the sender
 * used: person identifiers under HL7 Sweden's URIs with personnummer and samordningsnummer as 12
 * digits without separator; HSA-ids under HL7 Sweden's OID (Inera's NTjP OID is accepted).
 * Runs on every create and update, transactions included, before the profiles are checked.
 */
@Component
@Interceptor(order = ProfileEnforcementInterceptor.ORDER - 10)
public class IdentifierNormalizer implements ServerInterceptor {

  static final String HSA_ID = "urn:oid:1.2.752.29.4.19";
  private static final Map<String, String> HSA_ALIASES = Map.of("urn:oid:1.2.752.129.2.1.4.1", HSA_ID);

  private final Clock clock;

  public IdentifierNormalizer() {
    this(Clock.systemDefaultZone());
  }

  IdentifierNormalizer(Clock clock) {
    this.clock = clock;
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    normalise(resource);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource) {
    normalise(resource);
  }

  void normalise(IBaseResource resource) {
    if (resource instanceof Patient patient) {
      patient.getIdentifier().forEach(this::normalisePerson);
    } else if (resource instanceof Organization organization) {
      organization.getIdentifier().forEach(IdentifierNormalizer::normaliseHsa);
    } else if (resource instanceof Practitioner practitioner) {
      practitioner.getIdentifier().forEach(IdentifierNormalizer::normaliseHsa);
    } else if (resource instanceof PractitionerRole role) {
      role.getIdentifier().forEach(IdentifierNormalizer::normaliseHsa);
    }
  }

  private void normalisePerson(Identifier identifier) {
    String system = SwedishPersonIdentifiers.canonicalSystem(identifier.getSystem());
    setSystem(identifier, system);
    if (SwedishPersonIdentifiers.isPersonnummerOrSamordningsnummer(system)) {
      boolean samordningsnummer = SwedishPersonIdentifiers.SAMORDNINGSNUMMER.equals(system);
      SwedishPersonIdentifiers.normalise(identifier.getValue(), LocalDate.now(clock), samordningsnummer)
          .ifPresent(identifier::setValue);
    }
  }

  private static void normaliseHsa(Identifier identifier) {
    if (identifier.hasSystem()) {
      setSystem(identifier, HSA_ALIASES.getOrDefault(identifier.getSystem(), identifier.getSystem()));
    }
  }

  private static void setSystem(Identifier identifier, String system) {
    if (system != null && !system.equals(identifier.getSystem())) {
      identifier.setSystem(system);
    }
  }
}
