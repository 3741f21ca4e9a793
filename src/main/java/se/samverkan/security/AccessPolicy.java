package se.samverkan.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import ca.uhn.fhir.model.api.ResourceMetadataKeyEnum;
import org.hl7.fhir.instance.model.api.IAnyResource;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;

/**
 * Who may read what (docs/security.md). A caller reads a resource when
 * <ul>
 *   <li>it is an AuditEvent, the caller is a log reviewer, and the event concerns the reviewer's
 *       care provider: its own people acted, or its data was shown or withheld;
 *   <li>it is a Subscription of the caller's own care provider (others' are not shown);
 *   <li>it is not about a patient (organizations, staff, definitions), or
 *   <li>its own care provider owns it, or
 *   <li>for every patient it is about: the caller's unit or care provider takes part in an active
 *       CareTeam of the patient (care relation), the patient has an active consent to shared
 *       documentation, and the owner has not blocked its information about the patient (spärr).
 *       Emergency access (a stated reason) overrides consent and spärr, never the care relation.
 * </ul>
 * Lookups are made as the server and kept for the rest of the request.
 */
public class AccessPolicy {

  /** Consent to shared documentation in Samverkan (lag 2022:913). */
  public static final String SHARED_DOCUMENTATION_POLICY = "https://samverkan.se/fhir/policy/sammanhallen-dokumentation";
  /** Consent to a SIP, which covers sharing between region and kommun for it (HSL 16 kap. 4 §). */
  public static final String SIP_POLICY = "https://samverkan.se/fhir/policy/sip-samtycke";
  /** A block (spärr) the owning care provider set at the patient's request. */
  public static final String SPARR_POLICY = "https://samverkan.se/fhir/policy/sparr";

  static final String HSA = "urn:oid:1.2.752.29.4.19";
  static final String ORGANISATIONSNUMMER = "urn:oid:2.5.4.97";

  /** How a read was allowed, or that it was not. */
  public enum Verdict {
    SYSTEM, NOT_PATIENT_DATA, OWN, SHARED, EMERGENCY, DENIED;

    public boolean allowed() {
      return this != DENIED;
    }
  }

  private final FhirContext fhirContext;
  private final DaoRegistry daos;

  public AccessPolicy(FhirContext fhirContext, DaoRegistry daos) {
    this.fhirContext = fhirContext;
    this.daos = daos;
  }

  public Verdict decide(RequestDetails request, IBaseResource resource) {
    return decide(Caller.of(request), resource, request.getUserData());
  }

  /**
   * @param memo where lookups are kept between decisions for the same caller (a request's user
   *     data, or a map of one's own outside requests)
   */
  public Verdict decide(Caller caller, IBaseResource resource, Map<Object, Object> memo) {
    if (caller == null) {
      return Verdict.DENIED;
    }
    if (caller.isSystem()) {
      return Verdict.SYSTEM;
    }
    if (resource instanceof IAnyResource any && ResourceMetadataKeyEnum.DELETED_AT.get(any) != null) {
      return Verdict.NOT_PATIENT_DATA; // the empty marker of a deleted version in a history: no content
    }
    if ("Subscription".equals(resource.fhirType())) {
      // Criteria and endpoint are the subscriber's business (criteria may name a patient).
      return Ownership.careProvider(resource).map(owner -> owner.equals(caller.careProvider())).orElse(true)
          ? Verdict.NOT_PATIENT_DATA : Verdict.DENIED;
    }
    if ("AuditEvent".equals(resource.fhirType())) {
      return caller.isLogReviewer() && Ownership.concerns(resource).contains(caller.careProvider())
          ? Verdict.NOT_PATIENT_DATA : Verdict.DENIED;
    }
    Set<String> patients = patientsOf(resource);
    if (patients.isEmpty()) {
      return Verdict.NOT_PATIENT_DATA;
    }
    String owner = Ownership.careProvider(resource).orElse(null);
    if (owner != null && owner.equals(caller.careProvider())) {
      return Verdict.OWN;
    }
    Lookups lookups = Lookups.of(memo, this, caller);
    boolean emergencyUsed = false;
    for (String patient : patients) {
      if (!lookups.hasCareRelation(patient)) {
        return Verdict.DENIED;
      }
      boolean shared = lookups.hasConsent(patient) && !lookups.blockedOwners(patient).contains(owner);
      if (!shared) {
        if (!caller.isEmergency()) {
          return Verdict.DENIED;
        }
        emergencyUsed = true;
      }
    }
    return emergencyUsed ? Verdict.EMERGENCY : Verdict.SHARED;
  }

  /**
   * Looks up, in two searches, what {@link #decide} would otherwise look up patient by patient for
   * these resources: the care relation and the consents of every patient they are about (but not of
   * those in resources the caller's own care provider owns, which need no lookup). A kommun's
   * worklist of 400 patients thus costs two searches instead of 800. Decisions do not change.
   */
  public void prefetch(RequestDetails request, Collection<? extends IBaseResource> resources) {
    Caller caller = Caller.of(request);
    if (caller == null || caller.isSystem()) {
      return;
    }
    Set<String> patients = new LinkedHashSet<>();
    for (IBaseResource resource : resources) {
      if (resource != null && !Ownership.careProvider(resource).map(caller.careProvider()::equals).orElse(false)) {
        patients.addAll(patientsOf(resource));
      }
    }
    if (patients.size() > 1) {
      Lookups.of(request.getUserData(), this, caller).prefetch(patients);
    }
  }

  /** The ids ("Patient/123") of the patients a resource is about: itself, or its Patient compartment. */
  public Set<String> patientsOf(IBaseResource resource) {
    Set<String> patients = new LinkedHashSet<>();
    if ("Patient".equals(resource.fhirType())) {
      if (resource.getIdElement().hasIdPart()) {
        patients.add("Patient/" + resource.getIdElement().getIdPart());
      }
      return patients;
    }
    if (!fhirContext.getResourceDefinition(resource).getSearchParams().stream()
        .anyMatch(p -> p.getProvidesMembershipInCompartments() != null
            && p.getProvidesMembershipInCompartments().contains("Patient"))) {
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

  /** What one request has looked up: the caller's organizations, and per patient relation and consents. */
  static final class Lookups {
    private static final String KEY = Lookups.class.getName();
    /** Patients per prefetch search: keeps the SQL IN lists and the answers a sensible size. */
    private static final int PREFETCH_CHUNK = 500;

    private final AccessPolicy policy;
    private final Caller caller;
    private Set<String> callerOrganizations;
    private final Map<String, Boolean> relation = new HashMap<>();
    private final Map<String, List<Consent>> consents = new HashMap<>();

    private Lookups(AccessPolicy policy, Caller caller) {
      this.policy = policy;
      this.caller = caller;
    }

    static Lookups of(Map<Object, Object> memo, AccessPolicy policy, Caller caller) {
      synchronized (memo) {
        return (Lookups) memo.computeIfAbsent(KEY, k -> new Lookups(policy, caller));
      }
    }

    synchronized boolean hasCareRelation(String patient) {
      lookUpRelations(List.of(patient));
      return relation.get(patient);
    }

    /** Relation and consents of many patients at once; what is known already is kept. */
    synchronized void prefetch(Collection<String> patients) {
      lookUpRelations(patients);
      // Consents matter only where there is a relation (decide asks in that order).
      lookUpConsents(patients.stream().filter(relation::get).toList());
    }

    /** Whether the caller's organizations take part in an active CareTeam of each patient. */
    private void lookUpRelations(Collection<String> patients) {
      List<String> unknown = patients.stream().filter(p -> !relation.containsKey(p)).toList();
      Set<String> organizations = unknown.isEmpty() ? Set.of() : callerOrganizations();
      for (List<String> chunk : chunks(unknown)) {
        if (!organizations.isEmpty()) {
          ReferenceOrListParam participants = new ReferenceOrListParam();
          organizations.forEach(o -> participants.addOr(new ReferenceParam(o)));
          SearchParameterMap search = SearchParameterMap.newSynchronous()
              .add("patient", references(chunk))
              .add("status", new TokenParam("active"))
              .add("participant-organization", participants);
          for (IBaseResource team : policy.search("CareTeam", search)) {
            relation.put(patientReference(((CareTeam) team).getSubject()), true);
          }
        }
        chunk.forEach(p -> relation.putIfAbsent(p, false));
      }
    }

    /** Each patient's active Consents. */
    private void lookUpConsents(Collection<String> patients) {
      List<String> unknown = patients.stream().filter(p -> !consents.containsKey(p)).toList();
      for (List<String> chunk : chunks(unknown)) {
        Map<String, List<Consent>> found = new HashMap<>();
        SearchParameterMap search = SearchParameterMap.newSynchronous()
            .add("patient", references(chunk))
            .add("status", new TokenParam("active"));
        for (IBaseResource consent : policy.search("Consent", search)) {
          found.computeIfAbsent(patientReference(((Consent) consent).getPatient()), p -> new ArrayList<>())
              .add((Consent) consent);
        }
        chunk.forEach(p -> consents.put(p, List.copyOf(found.getOrDefault(p, List.of()))));
      }
    }

    private static List<List<String>> chunks(List<String> patients) {
      List<List<String>> chunks = new ArrayList<>();
      for (int i = 0; i < patients.size(); i += PREFETCH_CHUNK) {
        chunks.add(patients.subList(i, Math.min(patients.size(), i + PREFETCH_CHUNK)));
      }
      return chunks;
    }

    private static ReferenceOrListParam references(List<String> patients) {
      ReferenceOrListParam references = new ReferenceOrListParam();
      patients.forEach(p -> references.addOr(new ReferenceParam(p)));
      return references;
    }

    private static String patientReference(Reference reference) {
      return "Patient/" + reference.getReferenceElement().getIdPart();
    }

    synchronized boolean hasConsent(String patient) {
      Date now = new Date();
      Consent latest = null;
      for (Consent consent : consents(patient)) {
        if (hasPolicy(consent, SHARED_DOCUMENTATION_POLICY, SIP_POLICY) && inForce(consent.getProvision().getPeriod(), now)
            && (latest == null || later(consent, latest))) {
          latest = consent;
        }
      }
      return latest != null && latest.getProvision().getType() == Consent.ConsentProvisionType.PERMIT;
    }

    synchronized Set<String> blockedOwners(String patient) {
      Date now = new Date();
      Set<String> blocked = new LinkedHashSet<>();
      for (Consent consent : consents(patient)) {
        if (hasPolicy(consent, SPARR_POLICY) && consent.getProvision().getType() == Consent.ConsentProvisionType.DENY
            && inForce(consent.getProvision().getPeriod(), now)) {
          Ownership.careProvider(consent).ifPresent(blocked::add);
        }
      }
      return blocked;
    }

    private List<Consent> consents(String patient) {
      lookUpConsents(List.of(patient));
      return consents.get(patient);
    }

    /** The caller's unit and care provider as Organizations, with every organization under them. */
    private Set<String> callerOrganizations() {
      if (callerOrganizations == null) {
        Set<String> found = new LinkedHashSet<>();
        TokenOrListParam identifiers = new TokenOrListParam();
        for (String id : new String[] {caller.unit(), caller.careProvider()}) {
          if (id != null && !id.isBlank()) {
            identifiers.add(HSA, id);
            identifiers.add(ORGANISATIONSNUMMER, id);
          }
        }
        Set<String> level = new LinkedHashSet<>();
        if (!identifiers.getValuesAsQueryTokens().isEmpty()) {
          policy.search("Organization", SearchParameterMap.newSynchronous().add("identifier", identifiers))
              .forEach(o -> level.add("Organization/" + o.getIdElement().getIdPart()));
        }
        // partOf, a few levels down: region → hospital → ward.
        for (int depth = 0; depth < 4 && !level.isEmpty(); depth++) {
          found.addAll(level);
          ReferenceOrListParam parents = new ReferenceOrListParam();
          level.forEach(o -> parents.addOr(new ReferenceParam(o)));
          Set<String> next = new LinkedHashSet<>();
          policy.search("Organization", SearchParameterMap.newSynchronous().add(Organization.SP_PARTOF, parents))
              .forEach(o -> next.add("Organization/" + o.getIdElement().getIdPart()));
          next.removeAll(found);
          level.clear();
          level.addAll(next);
        }
        callerOrganizations = found;
      }
      return callerOrganizations;
    }

    private static boolean hasPolicy(Consent consent, String... uris) {
      for (Consent.ConsentPolicyComponent p : consent.getPolicy()) {
        for (String uri : uris) {
          if (uri.equals(p.getUri())) {
            return true;
          }
        }
      }
      return false;
    }

    private static boolean inForce(Period period, Date now) {
      return (!period.hasStart() || !period.getStart().after(now)) && (!period.hasEnd() || period.getEnd().after(now));
    }

    private static boolean later(Consent a, Consent b) {
      Date da = a.hasDateTime() ? a.getDateTime() : a.getMeta().getLastUpdated();
      Date db = b.hasDateTime() ? b.getDateTime() : b.getMeta().getLastUpdated();
      return da != null && (db == null || da.after(db));
    }
  }

  private List<IBaseResource> search(String type, SearchParameterMap search) {
    return daos.getResourceDao(type).search(search, new SystemRequestDetails()).getAllResources();
  }
}
