package se.samverkan.access;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Contract;
import org.hl7.fhir.r4.model.GuidanceResponse;
import org.hl7.fhir.r4.model.MessageHeader;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/**
 * Deny by default: every resource type Samverkan stores is declared here as one of
 * <ul>
 *   <li><b>patient data</b> — read under the sharing rule ({@link AccessPolicy}). These are the
 *       types of FHIR R4's Patient compartment (their patient is found through the compartment's
 *       search parameters) and the types outside it that still carry a patient's data, each with
 *       the path that names the patient: {@code Task.for}, {@code Binary.securityContext}, the
 *       entries of a stored {@code Bundle}, {@code Contract.subject}, {@code GuidanceResponse.subject},
 *       {@code MessageHeader.focus};
 *   <li><b>shared reference data</b> — organisations, staff, places, medicinal products and
 *       definitions, readable by any caller with a read scope;
 *   <li><b>server records</b> with rules of their own: AuditEvent (log reviewers:
 *       {@link AuditLogPolicy}) and Subscription (its owner).
 * </ul>
 * Any other type (payments, verification results, test scripts, …) is <b>refused</b>: nothing of
 * it is stored, and a request that names it answers 404 as for a type the server does not know.
 * A new FHIR version's types are thus refused until someone declares what they are.
 */
public final class ResourceKinds {

  public enum Kind { PATIENT_DATA, REFERENCE_DATA, SERVER_RECORD, REFUSED }

  /** Shared reference data: who and where care is given, what with, and the definitions. */
  static final Set<String> REFERENCE_DATA = Set.of(
      // organisations, staff and places
      "Organization", "OrganizationAffiliation", "Practitioner", "PractitionerRole", "Location", "HealthcareService",
      "Endpoint", "Slot", "InsurancePlan",
      // medicinal products and substances
      "Medication", "MedicationKnowledge", "MedicinalProduct", "MedicinalProductAuthorization",
      "MedicinalProductContraindication", "MedicinalProductIndication", "MedicinalProductIngredient",
      "MedicinalProductInteraction", "MedicinalProductManufactured", "MedicinalProductPackaged",
      "MedicinalProductPharmaceutical", "MedicinalProductUndesirableEffect", "Substance", "SubstanceNucleicAcid",
      "SubstancePolymer", "SubstanceProtein", "SubstanceReferenceInformation", "SubstanceSourceMaterial",
      "SubstanceSpecification", "DeviceDefinition", "DeviceMetric",
      // definitions and conformance
      "ActivityDefinition", "CapabilityStatement", "CatalogEntry", "ChargeItemDefinition", "CodeSystem",
      "CompartmentDefinition", "ConceptMap", "EffectEvidenceSynthesis", "EventDefinition", "Evidence",
      "EvidenceVariable", "ExampleScenario", "GraphDefinition", "ImplementationGuide", "Library", "Measure",
      "MessageDefinition", "NamingSystem", "ObservationDefinition", "OperationDefinition", "PlanDefinition",
      "Questionnaire", "ResearchDefinition", "ResearchElementDefinition", "ResearchStudy", "RiskEvidenceSynthesis",
      "SearchParameter", "SpecimenDefinition", "StructureDefinition", "StructureMap", "TerminologyCapabilities",
      "ValueSet");

  /** Records the server keeps by rules of their own (AccessPolicy). */
  static final Set<String> SERVER_RECORDS = Set.of(AuditLogPolicy.TYPE, "Subscription");

  /** Patient data outside the Patient compartment: the references that name (or lead to) the patient. */
  private static final Map<String, Function<IBaseResource, List<Reference>>> PATIENT_PATHS = Map.of(
      "Task", r -> List.of(((Task) r).getFor()),
      "Binary", r -> List.of(((Binary) r).getSecurityContext()),
      "Contract", r -> ((Contract) r).getSubject(),
      "GuidanceResponse", r -> List.of(((GuidanceResponse) r).getSubject()),
      "MessageHeader", r -> ((MessageHeader) r).getFocus(),
      "Bundle", r -> List.of()); // its entries, below

  private final FhirContext fhirContext;
  private final DaoRegistry daos;
  private final Map<String, Kind> kinds;

  public ResourceKinds(FhirContext fhirContext, DaoRegistry daos) {
    this.fhirContext = fhirContext;
    this.daos = daos;
    Map<String, Kind> found = new java.util.HashMap<>();
    for (String type : fhirContext.getResourceTypes()) {
      found.put(type, classify(fhirContext, type));
    }
    this.kinds = Map.copyOf(found);
  }

  private static Kind classify(FhirContext fhirContext, String type) {
    if (SERVER_RECORDS.contains(type)) {
      return Kind.SERVER_RECORD;
    }
    if (REFERENCE_DATA.contains(type)) {
      return Kind.REFERENCE_DATA;
    }
    if (PATIENT_PATHS.containsKey(type) || inPatientCompartment(fhirContext, type)) {
      return Kind.PATIENT_DATA;
    }
    return Kind.REFUSED;
  }

  private static boolean inPatientCompartment(FhirContext fhirContext, String type) {
    return "Patient".equals(type) || fhirContext.getResourceDefinition(type).getSearchParams().stream()
        .anyMatch(p -> p.getProvidesMembershipInCompartments() != null
            && p.getProvidesMembershipInCompartments().contains("Patient"));
  }

  public Kind kindOf(String type) {
    return kinds.getOrDefault(type, Kind.REFUSED);
  }

  /** The types of one kind, sorted (ResourceTypesTest checks the refused ones against docs/security.md). */
  public Set<String> typesOf(Kind kind) {
    Set<String> types = new TreeSet<>();
    kinds.forEach((type, k) -> {
      if (k == kind) {
        types.add(type);
      }
    });
    return types;
  }

  /** Refuses a type that is not declared, as HAPI answers for a type it does not know. */
  public void requireDeclared(String type) {
    if (type != null && kinds.containsKey(type) && kindOf(type) == Kind.REFUSED) {
      throw refused(type);
    }
  }

  static BaseServerResponseException refused(String type) {
    return new ResourceNotFoundException(Messages.english(Message.TYPE_NOT_STORED, type));
  }

  /**
   * The ids ("Patient/123") of the patients a piece of patient data is about: itself, its Patient
   * compartment, or the declared path. Empty for other kinds, and for patient data that names no
   * patient (which only its owner reads).
   */
  public Set<String> patientsOf(IBaseResource resource) {
    Set<String> patients = new LinkedHashSet<>();
    String type = resource.fhirType();
    if (kindOf(type) != Kind.PATIENT_DATA) {
      return patients;
    }
    if ("Patient".equals(type)) {
      if (resource.getIdElement().hasIdPart()) {
        patients.add("Patient/" + resource.getIdElement().getIdPart());
      }
      return patients;
    }
    if (resource instanceof Bundle bundle) {
      for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
        if (entry.getResource() != null) {
          patients.addAll(patientsOf(entry.getResource()));
        }
      }
      return patients;
    }
    Function<IBaseResource, List<Reference>> path = PATIENT_PATHS.get(type);
    if (path != null) {
      for (Reference reference : path.apply(resource)) {
        patients.addAll(patientsBehind(reference));
      }
      return patients;
    }
    for (IIdType id : fhirContext.newTerser().getCompartmentOwnersForResource("Patient", resource, Set.<String>of())) {
      // Members of the compartment's reference parameters may be other types (a CareTeam's
      // participants are Organizations and PractitionerRoles): only Patients count.
      if (id.hasIdPart() && "Patient".equals(id.getResourceType())) {
        patients.add("Patient/" + id.getIdPart());
      }
    }
    return patients;
  }

  /** A reference to a Patient names it; a reference to other patient data, that data's patients. */
  private Set<String> patientsBehind(Reference reference) {
    IIdType target = reference == null ? null : reference.getReferenceElement();
    if (target == null || !target.hasIdPart() || !target.hasResourceType() || target.isAbsolute()) {
      return Set.of();
    }
    if ("Patient".equals(target.getResourceType())) {
      return Set.of("Patient/" + target.getIdPart());
    }
    if (kindOf(target.getResourceType()) != Kind.PATIENT_DATA || PATIENT_PATHS.containsKey(target.getResourceType())) {
      return Set.of(); // one step only: a Binary about a Task about a patient is not followed further
    }
    try {
      return patientsOf(daos.getResourceDao(target.getResourceType())
          .read(target.toUnqualifiedVersionless(), new SystemRequestDetails()));
    } catch (BaseServerResponseException | IllegalArgumentException e) {
      return Set.of(); // gone or never there: nothing to be about
    }
  }
}
