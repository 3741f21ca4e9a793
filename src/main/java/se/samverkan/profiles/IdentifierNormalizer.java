package se.samverkan.profiles;

import se.samverkan.server.spi.HookOrder;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.server.util.ICachedSearchDetails;
import ca.uhn.fhir.model.api.IQueryParameterType;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.springframework.stereotype.Component;
import se.samverkan.server.spi.ServerInterceptor;
import se.samverkan.vocabulary.Vocabulary;

/**
 * Stores Swedish identifiers in one form, so that a search finds them whatever form the sender
 * used: person identifiers under HL7 Sweden's URIs with personnummer and samordningsnummer as 12
 * digits without separator; HSA-ids under HL7 Sweden's OID (Inera's NTjP OID is accepted).
 * Runs on every create and update, transactions included, before the profiles are checked.
 *
 * <p>Searches get the same treatment: a personnummer or samordningsnummer given in any common
 * form ({@code 19390314-9825}, {@code 390314-9825}, {@code 3903149825}) in {@code identifier} or in
 * a chain ending in {@code .identifier} ({@code subject:Patient.identifier=…}) is looked up in its
 * 12-digit form, with or without the system. Only valid numbers are rewritten, and a plain
 * {@code identifier} only on Patient, so other resources' identifiers are searched as given.
 */
@Component
@Interceptor(order = HookOrder.IDENTIFIERS_NORMALISED)
public class IdentifierNormalizer implements ServerInterceptor {

  private static final Map<String, String> HSA_ALIASES = Map.of(Vocabulary.HSA_ID_NTJP, Vocabulary.HSA_ID);

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

  @Hook(Pointcut.STORAGE_PRESEARCH_REGISTERED)
  public void searching(ICachedSearchDetails details, SearchParameterMap search) {
    boolean patientSearch = "Patient".equals(details.getResourceType());
    for (Map.Entry<String, List<List<IQueryParameterType>>> param : search.entrySet()) {
      boolean identifierParam = patientSearch && "identifier".equals(param.getKey());
      for (List<IQueryParameterType> orList : param.getValue()) {
        for (IQueryParameterType value : orList) {
          if (identifierParam && value instanceof TokenParam token) {
            normaliseToken(token);
          } else if (value instanceof ReferenceParam reference
              && reference.getChain() != null
              && reference.getChain().endsWith("identifier")) {
            normaliseChainedIdentifier(reference);
          }
        }
      }
    }
  }

  private void normaliseToken(TokenParam token) {
    if (token.getSystem() != null) {
      token.setSystem(SwedishPersonIdentifiers.canonicalSystem(token.getSystem()));
    }
    searchForm(token.getSystem(), token.getValue()).ifPresent(token::setValue);
  }

  /** {@code subject:Patient.identifier=system|value}, with the value in its stored form. */
  private void normaliseChainedIdentifier(ReferenceParam reference) {
    String token = reference.getValue();
    int bar = token.indexOf('|');
    String system = bar < 0 ? null : token.substring(0, bar);
    String value = bar < 0 ? token : token.substring(bar + 1);
    searchForm(system, value).ifPresent(normalised -> {
      // Setting the value alone would drop the chain; set it as the query gave it, in one piece.
      String qualifier =
          (reference.getResourceType() == null ? "" : ":" + reference.getResourceType()) + "." + reference.getChain();
      reference.setValueAsQueryToken(null, null, qualifier, bar < 0 ? normalised : token.substring(0, bar + 1) + normalised);
    });
  }

  /**
   * The stored form of a searched person identifier: for our systems (or none given), a value
   * that reads as a valid personnummer or samordningsnummer becomes 12 digits; anything else — an
   * organisationsnummer, another system's ten digits — is left as it was.
   */
  private Optional<String> searchForm(String system, String value) {
    String canonical = SwedishPersonIdentifiers.canonicalSystem(system);
    if (canonical != null && !SwedishPersonIdentifiers.isPersonnummerOrSamordningsnummer(canonical)) {
      return Optional.empty();
    }
    boolean samordningsnummer =
        Vocabulary.SAMORDNINGSNUMMER.equals(canonical)
            || (canonical == null && SwedishPersonIdentifiers.looksLikeSamordningsnummer(value));
    return SwedishPersonIdentifiers.normalise(value, LocalDate.now(clock), samordningsnummer)
        .filter(normalised -> !normalised.equals(value))
        .filter(normalised -> SwedishPersonIdentifiers.problem(normalised, samordningsnummer).isEmpty());
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
      boolean samordningsnummer = Vocabulary.SAMORDNINGSNUMMER.equals(system);
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
