package se.samverkan.access;

import se.samverkan.vocabulary.Vocabulary;

import se.samverkan.auth.Caller;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Element;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Property;
import org.hl7.fhir.r4.model.Reference;

/**
 * Protected identity (sekretessmarkering, skyddad folkbokföring): outside the patient's owning
 * unit nothing that names or locates the person is shown, and no search on what names or locates
 * the person finds it — "the hidden value matches" answers exactly as "nothing matches".
 * <ul>
 *   <li>{@link #hide}: the Patient as shown outside the owning unit;
 *   <li>{@link #hidesMatch}: whether a search's criteria or sort use something that identifies
 *       a protected patient the caller may not know, on the result or through a chain from it;
 *   <li>{@link #hideDisplays}: a reference elsewhere whose display would name such a patient.
 * </ul>
 * Lookups (the current version of a Patient) are made as the server, kept for the request.
 */
final class ProtectedIdentity {

  /**
   * Patient search parameters on what names, reaches or locates the person — the elements
   * {@link #hide} removes — and the free-text ones, which search the narrative.
   */
  static final Set<String> IDENTIFYING = Set.of(
      "name", "family", "given", "phonetic",
      "address", "address-city", "address-country", "address-postalcode", "address-state", "address-use",
      "telecom", "phone", "email",
      "_content", "_text", "_filter");

  /** Says the copy shown has had content withheld (HL7 v3 ObservationValue). */
  static final String REDACTED_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";

  private static final String MEMO = ProtectedIdentity.class.getName();

  private final FhirContext fhirContext;
  private final DaoRegistry daos;

  ProtectedIdentity(FhirContext fhirContext, DaoRegistry daos) {
    this.fhirContext = fhirContext;
    this.daos = daos;
  }

  // --- who may know

  static boolean isProtected(IBaseResource patient) {
    return patient instanceof Patient p && p.getMeta().getSecurity().stream()
        .anyMatch(l -> Vocabulary.SECURITY_LABEL.equals(l.getSystem())
            && CareRelationConsentService.PROTECTED_IDENTITY.contains(l.getCode()));
  }

  /** The owning unit knows the person (and the server itself does). */
  static boolean knowsIdentity(Caller caller, IBaseResource patient) {
    return caller != null && (caller.isSystem()
        || (caller.unit() != null && caller.unit().equals(Ownership.unit(patient).orElse(null))));
  }

  /**
   * Whether this Patient, as it is on its way to the caller, must be shown with its identity
   * hidden: it is protected, or — for an older version from a history or vread — its current
   * version is, and the caller is not in the owning unit.
   */
  boolean hiddenFrom(RequestDetails request, Patient patient) {
    Caller caller = Caller.of(request);
    if (knowsIdentity(caller, patient)) {
      return false;
    }
    if (isProtected(patient)) {
      return true;
    }
    return isHistoric(request) && patient.getIdElement().hasIdPart()
        && currentlyProtected(request, "Patient/" + patient.getIdElement().getIdPart());
  }

  private static boolean isHistoric(RequestDetails request) {
    RestOperationTypeEnum operation = request.getRestOperationType();
    return operation == RestOperationTypeEnum.VREAD || operation == RestOperationTypeEnum.HISTORY_INSTANCE
        || operation == RestOperationTypeEnum.HISTORY_TYPE || operation == RestOperationTypeEnum.HISTORY_SYSTEM
        || operation == RestOperationTypeEnum.GET_PAGE;
  }

  /**
   * Before a page of a history (or of any paged answer, which may be one) is judged: the current
   * versions of its Patients in one search instead of one read each.
   */
  void prefetch(RequestDetails request, java.util.Collection<? extends IBaseResource> resources) {
    Caller caller = Caller.of(request);
    if (caller == null || caller.isSystem() || !isHistoric(request)) {
      return;
    }
    Map<String, Optional<Patient>> memo = memo(request);
    ca.uhn.fhir.rest.param.TokenOrListParam ids = new ca.uhn.fhir.rest.param.TokenOrListParam();
    List<String> wanted = new ArrayList<>();
    for (IBaseResource resource : resources) {
      if (resource instanceof Patient patient && patient.getIdElement().hasIdPart() && !isProtected(patient)
          && !knowsIdentity(caller, patient)) {
        String id = "Patient/" + patient.getIdElement().getIdPart();
        synchronized (memo) {
          if (!memo.containsKey(id) && !wanted.contains(id)) {
            wanted.add(id);
            ids.add(null, patient.getIdElement().getIdPart());
          }
        }
      }
    }
    if (wanted.size() < 2) {
      return;
    }
    ca.uhn.fhir.jpa.searchparam.SearchParameterMap search = ca.uhn.fhir.jpa.searchparam.SearchParameterMap
        .newSynchronous().add("_id", ids);
    Map<String, Optional<Patient>> found = new HashMap<>();
    for (IBaseResource current : daos.getResourceDao("Patient").search(search, new SystemRequestDetails()).getAllResources()) {
      found.put("Patient/" + current.getIdElement().getIdPart(), Optional.of((Patient) current));
    }
    synchronized (memo) {
      // Not found now: deleted, left for currentlyProtected to look up in the history.
      found.forEach(memo::putIfAbsent);
    }
  }

  /** The Patient as it is now protected, or (deleted) was protected in any version. */
  private boolean currentlyProtected(RequestDetails request, String patient) {
    return current(request, patient).map(ProtectedIdentity::isProtected).orElseGet(() -> {
      try {
        return daos.getResourceDao("Patient").history(new org.hl7.fhir.r4.model.IdType(patient), null, null, null,
            new SystemRequestDetails()).getAllResources().stream().anyMatch(ProtectedIdentity::isProtected);
      } catch (ResourceNotFoundException | ResourceGoneException e) {
        return false;
      }
    });
  }

  /** The current version of a Patient ("Patient/123"), looked up once per request. */
  private Optional<Patient> current(RequestDetails request, String patient) {
    Map<String, Optional<Patient>> memo = memo(request);
    synchronized (memo) {
      return memo.computeIfAbsent(patient, p -> {
        try {
          return Optional.of((Patient) daos.getResourceDao("Patient")
              .read(new org.hl7.fhir.r4.model.IdType(p), new SystemRequestDetails()));
        } catch (ResourceNotFoundException | ResourceGoneException | IllegalArgumentException e) {
          return Optional.empty();
        }
      });
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Optional<Patient>> memo(RequestDetails request) {
    synchronized (request.getUserData()) {
      return (Map<String, Optional<Patient>>)
          request.getUserData().computeIfAbsent(MEMO, k -> new HashMap<String, Optional<Patient>>());
    }
  }

  // --- what is shown

  /**
   * A copy without what could name, reach or locate the person: name (shown as "Skyddad
   * uppgift"), address, telecom, photo, contacts, the narrative (it repeats them), contained
   * resources (a contained RelatedPerson or Practitioner may too) with the references to them, and
   * every extension (birth place, birth time, nationality, the address's kommunkod… identify or
   * locate, and none is needed to give care). The identifier stays: the personnummer is what care
   * is given and documented under. Modifier extensions stay where their element stays: they change
   * the meaning of what remains, so leaving one out could make a reader misread the rest (no
   * Samverkan profile defines one). The copy is labelled REDACTED, so that a reader knows content
   * was withheld.
   */
  static Patient hide(Patient patient) {
    Patient copy = patient.copy();
    copy.getName().clear();
    copy.addName().setText(CareRelationConsentService.HIDDEN);
    copy.getAddress().clear();
    copy.getTelecom().clear();
    copy.getPhoto().clear();
    copy.getContact().clear();
    copy.setText(null);
    copy.getContained().clear();
    copy.getGeneralPractitioner().removeIf(ProtectedIdentity::isContainedReference);
    if (isContainedReference(copy.getManagingOrganization())) {
      copy.setManagingOrganization(null);
    }
    copy.getLink().removeIf(link -> isContainedReference(link.getOther()));
    copy.getLink().forEach(link -> link.getOther().setDisplay(null)); // may name the same person
    removeExtensions(copy);
    copy.getMeta().addSecurity(REDACTED_SYSTEM, "REDACTED", "redacted");
    return copy;
  }

  private static boolean isContainedReference(Reference reference) {
    return reference != null && reference.getReference() != null && reference.getReference().startsWith("#");
  }

  /** Every (non-modifier) extension, at every level; modifier extensions are kept whole. */
  private static void removeExtensions(Base element) {
    if (element instanceof DomainResource resource) {
      resource.getExtension().clear();
    } else if (element instanceof Element e && !(element instanceof Extension)) {
      e.getExtension().clear();
    }
    if (element instanceof Extension) {
      return; // a modifier extension (ordinary ones are gone): kept as it is
    }
    for (Property property : element.children()) {
      if (property.getName().equals("extension") || property.getName().equals("modifierExtension")
          || property.getName().equals("contained")) {
        continue;
      }
      for (Base value : property.getValues()) {
        removeExtensions(value);
      }
    }
  }

  /**
   * The resource, or a copy of it whose references to a protected patient the caller may not
   * know show "Skyddad uppgift" as display: a display copies the name.
   */
  IBaseResource hideDisplays(RequestDetails request, IBaseResource resource) {
    Caller caller = Caller.of(request);
    if (caller == null || caller.isSystem() || resource instanceof org.hl7.fhir.instance.model.api.IBaseBundle) {
      return resource; // a bundle's resources are shown (and checked) one by one
    }
    IBaseResource copy = null;
    List<IBaseReference> references = fhirContext.newTerser().getAllPopulatedChildElementsOfType(resource, IBaseReference.class);
    for (int i = 0; i < references.size(); i++) {
      IBaseReference reference = references.get(i);
      if (!(reference instanceof Reference r) || !r.hasDisplay() || CareRelationConsentService.HIDDEN.equals(r.getDisplay())) {
        continue;
      }
      String patient = patientReference(r.getReferenceElement());
      if (patient == null || patient.equals(selfReference(resource))) {
        continue;
      }
      Optional<Patient> target = current(request, patient);
      if (target.isPresent() && isProtected(target.get()) && !knowsIdentity(caller, target.get())) {
        if (copy == null) {
          copy = ((org.hl7.fhir.r4.model.Resource) resource).copy();
          references = fhirContext.newTerser().getAllPopulatedChildElementsOfType(copy, IBaseReference.class);
          reference = references.get(i);
        }
        ((Reference) reference).setDisplay(CareRelationConsentService.HIDDEN);
      }
    }
    return copy == null ? resource : copy;
  }

  private static String selfReference(IBaseResource resource) {
    IIdType id = resource.getIdElement();
    return id.hasIdPart() ? resource.fhirType() + "/" + id.getIdPart() : null;
  }

  private static String patientReference(IIdType target) {
    if (target == null || !target.hasIdPart() || !"Patient".equals(target.getResourceType()) || target.isAbsolute()) {
      return null;
    }
    return "Patient/" + target.getIdPart();
  }

  // --- what is searched

  /**
   * Whether the search criterion {@code name} (as in {@code type?name=…}; also a sort
   * parameter) uses what identifies a protected patient the caller may not know, on this
   * result or on a patient the result reaches through the criterion's chain. Conservative, like
   * the chain check in {@link JoinedCriteria}: which reference made the database match is not
   * known, so every reference of the result (of the chain's type, if named) counts.
   */
  boolean hidesMatch(RequestDetails request, String type, String name, IBaseResource result) {
    Caller caller = Caller.of(request);
    if (caller == null || caller.isSystem()) {
      return false;
    }
    if (name.startsWith("_has:") || name.equals("_sort") || name.equals("_include") || name.equals("_revinclude")) {
      return false; // handled by the caller of this method, or not criteria
    }
    if (!JoinedCriteria.isChain(name)) {
      String parameter = base(name);
      if (!IDENTIFYING.contains(parameter)) {
        return false;
      }
      if (parameter.startsWith("_")) {
        // Free text and _filter may say anything about the result or whom it refers to.
        return hiddenPatient(request, caller, result) || reachesHidden(request, caller, List.of(result), null);
      }
      return "Patient".equals(type) && hiddenPatient(request, caller, result);
    }
    String[] hops = name.split("\\.");
    String last = base(hops[hops.length - 1]);
    String lastType = targetType(hops[hops.length - 2]);
    if (!IDENTIFYING.contains(last) || (lastType != null && !"Patient".equals(lastType))) {
      return false;
    }
    List<IBaseResource> level = List.of(result);
    for (int hop = 0; hop < hops.length - 2; hop++) {
      level = referenced(level, targetType(hops[hop]));
    }
    return reachesHidden(request, caller, level, lastType);
  }

  private boolean hiddenPatient(RequestDetails request, Caller caller, IBaseResource resource) {
    return resource instanceof Patient patient && !knowsIdentity(caller, patient)
        && (isProtected(patient) || hiddenFrom(request, patient));
  }

  /** Whether a Patient that these resources refer to (typed, if given) is hidden from the caller. */
  private boolean reachesHidden(RequestDetails request, Caller caller, List<IBaseResource> from, String type) {
    if (type != null && !"Patient".equals(type)) {
      return false;
    }
    for (IBaseResource resource : from) {
      for (IBaseReference reference : fhirContext.newTerser().getAllPopulatedChildElementsOfType(resource, IBaseReference.class)) {
        String patient = patientReference(reference.getReferenceElement());
        if (patient == null) {
          continue;
        }
        Optional<Patient> target = current(request, patient);
        if (target.isPresent() && isProtected(target.get()) && !knowsIdentity(caller, target.get())) {
          return true;
        }
      }
    }
    return false;
  }

  /** The stored resources these refer to (of the type, if named). */
  private List<IBaseResource> referenced(List<IBaseResource> from, String type) {
    Set<String> ids = new LinkedHashSet<>();
    for (IBaseResource resource : from) {
      for (IBaseReference reference : fhirContext.newTerser().getAllPopulatedChildElementsOfType(resource, IBaseReference.class)) {
        IIdType target = reference.getReferenceElement();
        if (target != null && target.hasIdPart() && target.hasResourceType() && !target.isAbsolute()
            && (type == null || type.equals(target.getResourceType()))) {
          ids.add(target.getResourceType() + "/" + target.getIdPart());
        }
      }
    }
    List<IBaseResource> found = new ArrayList<>();
    for (String id : ids) {
      try {
        org.hl7.fhir.r4.model.IdType target = new org.hl7.fhir.r4.model.IdType(id);
        found.add(daos.getResourceDao(target.getResourceType()).read(target, new SystemRequestDetails()));
      } catch (ResourceNotFoundException | ResourceGoneException | IllegalArgumentException e) {
        // nothing there to match
      }
    }
    return found;
  }

  /** {@code family:contains} → family. */
  private static String base(String parameter) {
    int colon = parameter.indexOf(':');
    return colon < 0 ? parameter : parameter.substring(0, colon);
  }

  /** {@code subject:Patient} → Patient; {@code subject} → any type. */
  private static String targetType(String hop) {
    int colon = hop.indexOf(':');
    return colon < 0 ? null : hop.substring(colon + 1);
  }
}
